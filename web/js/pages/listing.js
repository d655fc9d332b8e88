// One listing: its photos (larger renditions, thumbnails to switch), details in both languages, add to cart.
import { api } from "../api.js";
import { categoryLabel, priceNodes, readyImages } from "../catalog.js";
import { addToCart } from "../cart.js";
import { ratingLine, reviewsSection } from "../reviews.js";
import { lang, provinceName, t } from "../i18n.js";
import { currency, el, errorText, formatMoney, frame, inLang, param, refreshCartBadge, say, titleNodes } from "../ui.js";

frame("shop");
const content = document.getElementById("content");
const message = document.getElementById("message");
const heading = document.getElementById("page-title");

function gallery(listing) {
  const images = readyImages(listing);
  if (!images.length) return el("div", { class: "gallery" }, el("p", { class: "muted" }, t("no_image")));
  const source = (image) => ({ src: image.urls.medium, srcset: `${image.urls.medium} 1024w, ${image.urls.large} 2048w`,
    sizes: "(min-width: 48rem) 60vw, 100vw" });
  const main = el("img", { class: "main-image", id: "main-image", alt: `${listing.title} – ${t("image_n", { n: 1 })}`,
    width: images[0].width, height: images[0].height, loading: "lazy", ...source(images[0]) });
  const buttons = images.map((image, index) => el("button", { type: "button", "aria-label": t("show_image", { n: index + 1 }),
    "aria-current": index === 0 ? "true" : "false",
    onclick: (event) => {
      Object.assign(main, source(image), { width: image.width, height: image.height, alt: `${listing.title} – ${t("image_n", { n: index + 1 })}` });
      for (const other of event.currentTarget.parentElement.parentElement.querySelectorAll("button")) other.setAttribute("aria-current", "false");
      event.currentTarget.setAttribute("aria-current", "true");
    } }, el("img", { src: image.urls.thumb, alt: "", loading: "lazy", width: 64, height: 64 })));
  return el("div", { class: "gallery" }, main, images.length > 1 ? el("ul", { class: "thumbs" }, buttons.map((b) => el("li", {}, b))) : null);
}

async function artisanLink(artisanId) {
  try {
    const artisan = await api(`/artisans/${encodeURIComponent(artisanId)}`, { auth: false });
    return el("p", {}, `${t("by")} `, el("a", { href: `/artisan.html?id=${encodeURIComponent(artisanId)}`, id: "artisan-link" }, artisan.display_name),
      ` · ${provinceName(artisan.province)}`);
  } catch (error) {
    return null;
  }
}

const optionLabel = (option) => (lang() === "ur" && option.name_ur ? option.name_ur : option.name);

/** The variant matching `chosen` ({name: value}) in full, or null. */
const variantFor = (listing, chosen) => listing.variants.find((variant) =>
  listing.options.every((option) => variant.options[option.name] === chosen[option.name])) || null;

/** One picker per option; a value no variant in stock has (with the other choices made) is disabled, "sold out".
 * Picking a whole combination shows its price and availability, and lets it go into the cart. */
function variantForm(listing) {
  const status = el("p", { role: "status", "aria-live": "polite", id: "cart-status" });
  const price = el("p", { id: "variant-price", "aria-live": "polite" });
  const availability = el("p", { id: "variant-availability", "aria-live": "polite" });
  const quantity = el("input", { id: "quantity", name: "quantity", type: "number", min: 1, max: 1, value: 1, inputmode: "numeric" });
  const button = el("button", { type: "submit", id: "add-to-cart", disabled: true }, t("add_to_cart"));
  const selects = listing.options.map((option, index) => el("select", { id: `option-${index}`, name: option.name, "data-option": option.name },
    el("option", { value: "" }, t("choose_option", { name: optionLabel(option) })),
    option.values.map((value) => el("option", { value }, value))));
  const chosen = () => Object.fromEntries(selects.map((select) => [select.dataset.option, select.value]).filter(([, value]) => value));

  function update() {
    const picked = chosen();
    selects.forEach((select, index) => {
      const name = listing.options[index].name;
      for (const option of select.options) {
        if (!option.value) continue;
        const others = { ...picked, [name]: option.value };
        const inStock = listing.variants.some((variant) => variant.stock > 0
          && Object.entries(others).every(([key, value]) => variant.options[key] === value));
        option.disabled = !inStock;
        option.textContent = inStock ? option.value : `${option.value} – ${t("sold_out")}`;
      }
    });
    const variant = variantFor(listing, picked);
    if (!variant) {
      price.replaceChildren(...priceNodes(listing));
      availability.textContent = t("choose_variant");
      button.disabled = true;
      return null;
    }
    price.replaceChildren(...priceNodes(variant));
    availability.textContent = variant.stock > 0 ? t("stock_left", { n: variant.stock }) : t("out_of_stock");
    quantity.max = Math.max(1, Math.min(100, variant.stock));
    button.disabled = variant.stock < 1;
    return variant;
  }

  for (const select of selects) select.addEventListener("change", update);
  const form = el("form", { class: "stack", id: "buy-form", onsubmit: (event) => {
    event.preventDefault();
    const variant = update();
    if (!variant || variant.stock < 1) return;
    addToCart(listing, Math.max(1, Number(quantity.value) || 1), variant);
    refreshCartBadge();
    status.replaceChildren(t("added_to_cart"), " ", el("a", { href: "/cart.html" }, t("view_cart")));
  } }, selects.map((select, index) => el("label", { for: select.id }, optionLabel(listing.options[index]), select)),
  price, availability, el("label", { for: "quantity" }, t("quantity"), quantity), button, status);
  update();
  return listing.stock < 1 ? el("div", {}, el("p", { class: "error" }, t("out_of_stock")), form) : form;
}

function buyForm(listing) {
  if (listing.variants && listing.variants.length) return variantForm(listing);
  const status = el("p", { role: "status", "aria-live": "polite", id: "cart-status" });
  const quantity = el("input", { id: "quantity", name: "quantity", type: "number", min: 1, max: Math.max(1, Math.min(100, listing.stock)), value: 1, inputmode: "numeric" });
  if (listing.stock < 1) return el("p", { class: "error" }, t("out_of_stock"));
  return el("form", { class: "stack", id: "buy-form", onsubmit: (event) => {
    event.preventDefault();
    addToCart(listing, Math.max(1, Number(quantity.value) || 1));
    refreshCartBadge();
    status.replaceChildren(t("added_to_cart"), " ", el("a", { href: "/cart.html" }, t("view_cart")));
  } }, el("label", { for: "quantity" }, t("quantity"), quantity), el("button", { type: "submit", id: "add-to-cart" }, t("add_to_cart")), status);
}

async function start() {
  const id = param("id");
  const listing = await api(`/listings/${encodeURIComponent(id)}`, { query: { currency: currency() } });
  heading.replaceChildren(...titleNodes(listing));
  document.title = `${listing.title} – ${t("brand")}`;
  const facts = el("dl", { class: "facts" },
    el("dt", {}, t("category")), el("dd", {}, await categoryLabel(listing.category)),
    el("dt", {}, t("stock")), el("dd", {}, listing.stock > 0 ? t("stock_left", { n: listing.stock }) : t("out_of_stock")),
    el("dt", {}, t("processing_days")), el("dd", {}, t("ships_in", { n: listing.processing_days })),
    el("dt", {}, t("weight")), el("dd", {}, t("weight_grams", { n: listing.weight_grams })),
    Object.entries(listing.attributes || {}).map(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
  const info = el("div", {},
    el("p", { id: "listing-price" }, priceNodes(listing)),
    ratingLine(listing),
    listing.display_price && listing.display_price.currency !== "PKR" ? el("p", { class: "muted" }, t("price_in_pkr", { p: formatMoney(listing.price) })) : null,
    await artisanLink(listing.artisan_id),
    buyForm(listing),
    el("h2", {}, t("description")),
    listing.description ? inLang("en", listing.description, "p", { id: "description" }) : null,
    listing.description_ur ? inLang("ur", listing.description_ur, "p", { id: "description-ur" }) : null,
    el("h2", {}, t("details")), facts,
    reviewsSection(listing));
  content.replaceChildren(el("div", { class: "listing" }, gallery(listing), info));
}

start().catch((error) => { content.replaceChildren(); say(message, errorText(error), "error"); });
