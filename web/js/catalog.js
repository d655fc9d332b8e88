// Catalogue pieces shared by the browse, listing and artisan pages.
import { api, ApiError } from "./api.js";
import { categoryName, lang, t } from "./i18n.js";
import { el, formatMoney, titleNodes } from "./ui.js";

let categoriesPromise = null;

/** GET /categories once per page: [{slug, name, name_ur}]. */
export function categories() {
  if (!categoriesPromise) categoriesPromise = api("/categories", { auth: false }).then((body) => body.items);
  return categoriesPromise;
}

export async function categoryLabel(slug) {
  const found = (await categories()).find((category) => category.slug === slug);
  return found ? categoryName(found) : slug;
}

export const readyImages = (listing) => (listing.images || []).filter((image) => image.status === "ready");

/** The price to show: the buyer's currency when the API converted it, with the PKR price beside it. */
export function priceNodes(listing) {
  const shown = listing.display_price && listing.display_price.currency !== "PKR" ? listing.display_price : listing.price;
  // A listing with variants shows its lowest variant price, "from".
  const nodes = [el("span", { class: "price" }, listing.variants && listing.variants.length
    ? t("price_from", { p: formatMoney(shown) }) : formatMoney(shown))];
  if (shown !== listing.price) nodes.push(" ", el("span", { class: "muted" }, `(${formatMoney(listing.price)})`));
  return nodes;
}

/** A listing in a grid: its thumbnail (lazy), titles and price, linking to its page. */
export function listingCard(listing, categoryNames = {}) {
  const image = readyImages(listing)[0];
  const picture = image
    ? el("img", { class: "thumb", src: image.urls.thumb, alt: listing.title, loading: "lazy", decoding: "async", width: 320, height: 320 })
    : el("div", { class: "thumb", role: "img", "aria-label": t("no_image") });
  return el("li", { class: "card", "data-listing-id": listing.listing_id },
    el("a", { href: `/listing.html?id=${encodeURIComponent(listing.listing_id)}` },
      picture,
      el("div", { class: "body" }, titleNodes(listing), el("span", { class: "muted" }, categoryNames[listing.category] || ""),
        el("span", {}, priceNodes(listing)))));
}

/** A paginated list with a "Show more" button that follows next_cursor. */
export function pagedList({ container, fetchPage, render, empty, listClass = "grid" }) {
  const list = el("ul", { class: listClass });
  const more = el("button", { type: "button", class: "more secondary", id: "more" }, t("more"));
  const status = el("p", { role: "status", "aria-live": "polite" });
  let cursor = null;
  async function load() {
    more.disabled = true;
    try {
      const page = await fetchPage(cursor);
      for (const item of page.items) list.append(render(item));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      if (!list.children.length) status.textContent = empty;
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : t("error_generic");
      status.className = "error";
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", load);
  more.hidden = true;
  container.replaceChildren(list, status, more);
  return load();
}

export async function categoryNameMap() {
  const map = {};
  for (const category of await categories()) map[category.slug] = lang() === "ur" ? category.name_ur : category.name;
  return map;
}
