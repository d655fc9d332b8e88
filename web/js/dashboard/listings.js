// The artisan's listings: the list (drafts too), the create/edit form with If-Match, publish/unpublish, archive, photos.
import { api, ApiError } from "../api.js";
import { config } from "../config.js";
import { categories } from "../catalog.js";
import { categoryName, statusName, t } from "../i18n.js";
import { el, errorText, formatMoney, paisaToRupees, rupeesToPaisa, say, statusBadge, fill } from "../ui.js";
import { actionForm, input, select, text } from "./forms.js";
import { photosPanel } from "./photos.js";
import { variantsEditor } from "./variants.js";

let root = null;

export async function listingsSection(container) {
  root = container;
  const list = el("tbody", {});
  const more = el("button", { type: "button", class: "secondary more", hidden: true }, t("more"));
  const status = el("p", { role: "alert", id: "listings-status" });
  let cursor = null;
  async function load() {
    const page = await api("/artisans/me/listings", { query: { cursor, limit: 50 } });
    for (const listing of page.items) list.append(row(listing, status));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    if (!list.children.length) list.append(el("tr", {}, el("td", { colspan: 4 }, t("no_listings"))));
  }
  more.addEventListener("click", () => load().catch((error) => say(status, errorText(error), "error")));
  container.replaceChildren(
    el("div", { class: "row" }, el("h2", {}, t("listings_title")),
      el("button", { type: "button", id: "new-listing", onclick: () => editor(null) }, t("new_listing"))),
    status,
    el("div", { class: "table-wrap" }, el("table", { id: "my-listings" },
      el("thead", {}, el("tr", {}, ["title_en", "status", "price_rs", "actions"].map((key) => el("th", { scope: "col" }, t(key))))), list)),
    more);
  await load();
}

async function transition(listing, action, status) {
  try {
    await api(`/listings/${encodeURIComponent(listing.listing_id)}/${action}`, { method: "POST" });
    return true;
  } catch (error) {
    say(status, error instanceof ApiError && error.code === "NOT_PUBLISHABLE" ? t("not_publishable") : errorText(error), "error");
    return false;
  }
}

function actionsFor(listing, status, after) {
  const button = (key, onclick, cls) => el("button", { type: "button", class: cls || "secondary", "data-action": key,
    "aria-label": `${t(key)}: ${listing.title}`, onclick }, t(key));
  const buttons = [button("edit", () => editor(listing.listing_id))];
  if (listing.status === "draft") buttons.push(button("publish", async () => { if (await transition(listing, "publish", status)) after(); }, "primary"));
  if (listing.status === "active") buttons.push(button("unpublish", async () => { if (await transition(listing, "unpublish", status)) after(); }));
  if (listing.status !== "archived") buttons.push(button("archive", async () => {
    await api(`/listings/${encodeURIComponent(listing.listing_id)}`, { method: "DELETE" }).catch((error) => say(status, errorText(error), "error"));
    after();
  }, "danger"));
  return el("div", { class: "row" }, buttons);
}

function row(listing, status) {
  return el("tr", { "data-listing-id": listing.listing_id, "data-status": listing.status },
    el("td", {}, listing.title, listing.title_ur ? el("div", { lang: "ur", dir: "rtl", class: "muted" }, listing.title_ur) : null),
    el("td", {}, statusBadge(listing.status, statusName(listing.status)), listing.takedown_reason
      ? el("small", { class: "takedown-reason" }, t("taken_down_notice", { reason: listing.takedown_reason })) : null),
    el("td", {}, formatMoney(listing.price)),
    el("td", {}, actionsFor(listing, status, () => listingsSection(root))));
}

function fieldsFor(listing, crafts) {
  const l = listing || {};
  return [
    input("title", "title_en", { required: true, minlength: 3, maxlength: 140, value: l.title || "", lang: "en", dir: "ltr" }),
    input("title_ur", "title_ur", { maxlength: 140, value: l.title_ur || "", lang: "ur", dir: "rtl" }),
    input("description", "description_en", { multiline: true, maxlength: 5000, value: l.description || "", lang: "en", dir: "ltr" }),
    input("description_ur", "description_ur", { multiline: true, maxlength: 5000, value: l.description_ur || "", lang: "ur", dir: "rtl" }),
    select("category", "category", crafts.map((c) => [c.slug, categoryName(c)]), l.category || crafts[0].slug),
    input("price", "price_rs", { required: true, inputmode: "decimal", value: l.price ? paisaToRupees(l.price.amount) : "", pattern: "[0-9,]+(\\.[0-9]{1,2})?" }),
    input("stock", "stock", { required: true, type: "number", min: 0, max: 100000, value: l.stock ?? 1 }),
    input("weight_grams", "weight_g", { required: true, type: "number", min: 1, max: 100000, value: l.weight_grams ?? 500 }),
    input("processing_days", "processing_days", { required: true, type: "number", min: 1, max: 60, value: l.processing_days ?? 3 }),
  ];
}

function bodyFrom(data, creating, variants) {
  const price = rupeesToPaisa(text(data, "price"));
  if (price === null) throw new ApiError(400, "VALIDATION_ERROR", `${t("price_rs")}: ${t("invalid")}`);
  const body = { title: text(data, "title"), description: text(data, "description"), category: text(data, "category"),
    price: { amount: price, currency: "PKR" }, stock: Number(text(data, "stock")), weight_grams: Number(text(data, "weight_grams")),
    processing_days: Number(text(data, "processing_days")) };
  const varied = variants.value();
  if (varied) Object.assign(body, varied);
  if (varied && varied.options.length) delete body.stock; // the sum of the variants' stock, read-only
  for (const name of ["title_ur", "description_ur"]) {
    if (text(data, name)) body[name] = text(data, name);
    else if (!creating) body[name] = null; // clears the Urdu text on edit
  }
  return body;
}

/** The create (listingId null) or edit form; after a create it becomes the edit form, where photos can be added. */
async function editor(listingId, notice = "", noticeIsError = false) {
  const [crafts, settings] = await Promise.all([categories(), config()]);
  let listing = null;
  if (listingId) listing = await api(`/listings/${encodeURIComponent(listingId)}`);
  const fields = fieldsFor(listing, crafts);
  const stockField = fields.find((label) => label.getAttribute("for") === "stock");
  const variants = variantsEditor(listing, (hasOptions) => {
    const stock = stockField.querySelector("input");
    stock.disabled = hasOptions;
    stock.required = !hasOptions;
    stockField.title = hasOptions ? t("stock_from_variants") : "";
  });
  fields.splice(fields.indexOf(stockField) + 1, 0, variants.node);
  const form = actionForm({
    id: "listing-form",
    submitKey: "save_listing",
    fields,
    action: async (data, status) => {
      if (!listing) {
        const created = await api("/listings", { method: "POST", body: bodyFrom(data, true, variants) });
        await editor(created.listing_id, t("saved"));
        return null;
      }
      try {
        await api(`/listings/${encodeURIComponent(listing.listing_id)}`, { method: "PATCH", body: bodyFrom(data, false, variants),
          headers: { "If-Match": `"${listing.version}"` } });
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) { await editor(listing.listing_id, t("stale_version"), true); return null; }
        throw error;
      }
      await editor(listing.listing_id, t("saved"));
      return null;
    },
  });
  const status = el("p", { role: "alert", id: "editor-status" });
  if (notice) say(status, notice, noticeIsError ? "error" : "info");
  fill(root, 
    el("h2", {}, listing ? `${t("edit")}: ${listing.title}` : t("new_listing")),
    listing ? el("p", {}, `${t("status")}: `, statusBadge(listing.status, statusName(listing.status)),
      el("span", { id: "listing-status", hidden: true }, listing.status), " ", actionsFor(listing, status, () => editor(listing.listing_id))) : null,
    status, form,
    listing ? photosPanel(listing, (message, isError) => editor(listing.listing_id, message, isError), settings.image_max_bytes) : null,
    el("p", {}, el("button", { type: "button", class: "secondary", id: "back-to-listings", onclick: () => listingsSection(root) }, t("listings_title"))));
  root.querySelector("#title").focus();
}
