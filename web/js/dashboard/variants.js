// The listing form's options (size, colour…, up to 3, with Urdu names) and the variant grid: one row per combination
// of their values, each with its price (blank: the listing's), stock and SKU. Ids of existing variants are kept, so
// buyers' carts and orders keep naming them.
import { t } from "../i18n.js";
import { el, paisaToRupees, rupeesToPaisa } from "../ui.js";
import { ApiError } from "../api.js";

const MAX_OPTIONS = 3;
const MAX_VARIANTS = 100;
const splitValues = (text) => [...new Set(text.split(/[,،]/).map((value) => value.trim()).filter(Boolean))];
const comboKey = (combination) => JSON.stringify(combination);

/** Every combination of the options' values, in their order: [{name: value, ...}]. */
function combinations(options) {
  return options.reduce((rows, option) => rows.flatMap((row) => option.values.map((value) => ({ ...row, [option.name]: value }))), [{}]);
}

/** The editor for `listing` (null: a new one); `onChange(hasOptions)` tells the form to lock its own stock field. */
export function variantsEditor(listing, onChange) {
  const known = new Map(((listing && listing.variants) || []).map((v) => [comboKey(v.options), v]));
  const entered = new Map(); // combination -> {price, stock, sku} as typed, kept while the grid is redrawn
  const optionRows = el("div", { class: "stack", id: "option-rows" });
  const grid = el("tbody", {});
  const gridWrap = el("div", { class: "table-wrap", hidden: true }, el("table", { id: "variant-grid" },
    el("thead", {}, el("tr", {}, ["variant", "price_rs", "stock", "sku"].map((key) => el("th", { scope: "col" }, t(key))))), grid));
  const note = el("p", { class: "muted", id: "variants-note", role: "status" });
  const add = el("button", { type: "button", class: "secondary", id: "add-option" }, t("add_option"));

  function optionRow(option = { name: "", name_ur: "", values: [] }) {
    const index = optionRows.children.length;
    const row = el("div", { class: "option-row row", "data-option": index },
      el("label", {}, t("option_name"), el("input", { class: "option-name", id: `option-name-${index}`, maxlength: 40, value: option.name, lang: "en", dir: "ltr", placeholder: t("option_name_hint") })),
      el("label", {}, t("option_name_ur"), el("input", { class: "option-name-ur", id: `option-name-ur-${index}`, maxlength: 40, value: option.name_ur || "", lang: "ur", dir: "rtl" })),
      el("label", {}, t("option_values"), el("input", { class: "option-values", id: `option-values-${index}`, value: option.values.join(", "), placeholder: t("option_values_hint") })),
      el("button", { type: "button", class: "secondary", "aria-label": `${t("remove_option")} ${index + 1}`, onclick: () => { row.remove(); redraw(); } }, t("remove_option")));
    row.addEventListener("change", redraw);
    optionRows.append(row);
    add.disabled = optionRows.children.length >= MAX_OPTIONS;
  }

  function options() {
    return [...optionRows.children].map((row) => ({
      name: row.querySelector(".option-name").value.trim(),
      name_ur: row.querySelector(".option-name-ur").value.trim() || null,
      values: splitValues(row.querySelector(".option-values").value),
    })).filter((option) => option.name && option.values.length);
  }

  function remember() {
    for (const row of grid.children) {
      entered.set(row.dataset.combo, { price: row.querySelector(".variant-price").value, stock: row.querySelector(".variant-stock").value,
        sku: row.querySelector(".variant-sku").value });
    }
  }

  function redraw() {
    remember();
    add.disabled = optionRows.children.length >= MAX_OPTIONS;
    const current = options();
    const rows = current.length ? combinations(current) : [];
    gridWrap.hidden = !rows.length;
    note.textContent = rows.length > MAX_VARIANTS ? t("too_many_variants", { n: MAX_VARIANTS }) : rows.length ? t("variants_note") : "";
    onChange(rows.length > 0);
    // The same combinations (an option field left without a change): the grid stays, and the cell being clicked keeps focus.
    const keys = rows.slice(0, MAX_VARIANTS).map(comboKey);
    if (keys.join("\n") === [...grid.children].map((row) => row.dataset.combo).join("\n")) return;
    grid.replaceChildren(...rows.slice(0, MAX_VARIANTS).map((combination, index) => {
      const key = comboKey(combination);
      const label = Object.values(combination).join(" / ");
      const before = known.get(key);
      const typed = entered.get(key) || { price: before ? paisaToRupees(before.price.amount) : "", stock: before ? String(before.stock) : "0", sku: (before && before.sku) || "" };
      return el("tr", { "data-combo": key, "data-label": label },
        el("th", { scope: "row" }, label),
        el("td", {}, el("input", { class: "variant-price", id: `variant-price-${index}`, inputmode: "decimal", value: typed.price, size: 8, "aria-label": `${t("price_rs")}: ${label}` })),
        el("td", {}, el("input", { class: "variant-stock", id: `variant-stock-${index}`, type: "number", min: 0, max: 100000, value: typed.stock, style: "width:5.5rem", "aria-label": `${t("stock")}: ${label}` })),
        el("td", {}, el("input", { class: "variant-sku", id: `variant-sku-${index}`, maxlength: 64, value: typed.sku, size: 8, "aria-label": `${t("sku")}: ${label}` })));
    }));
  }

  add.addEventListener("click", () => { optionRow(); optionRows.lastElementChild.querySelector(".option-name").focus(); });
  for (const option of (listing && listing.options) || []) optionRow(option);
  const node = el("fieldset", { id: "variants-editor", class: "stack" }, el("legend", {}, t("options_title")),
    el("p", { class: "muted" }, t("options_help")), optionRows, add, note, gridWrap);
  queueMicrotask(redraw);

  /** The body's options and variants; null when the listing has none (and had none). */
  function value() {
    const current = options();
    if (!current.length) return listing && listing.options && listing.options.length ? { options: [], variants: [] } : null;
    const variants = [...grid.children].map((row) => {
      const combination = JSON.parse(row.dataset.combo);
      const variant = { options: combination, stock: Number(row.querySelector(".variant-stock").value || 0) };
      const before = known.get(row.dataset.combo);
      if (before) variant.variant_id = before.variant_id;
      const priceText = row.querySelector(".variant-price").value.trim();
      if (priceText) {
        const amount = rupeesToPaisa(priceText);
        if (amount === null) throw new ApiError(400, "VALIDATION_ERROR", `${t("price_rs")} (${row.dataset.label}): ${t("invalid")}`);
        variant.price = { amount, currency: "PKR" };
      }
      const sku = row.querySelector(".variant-sku").value.trim();
      if (sku) variant.sku = sku;
      return variant;
    });
    return { options: current, variants };
  }

  return { node, value };
}
