// Search results: GET /search best first, in pages, narrowed by craft or province, prices in the buyer's currency.
import { api } from "../api.js";
import { categories, categoryNameMap, listingCard, pagedList } from "../catalog.js";
import { categoryName, provinceName, provinceSlugs, t } from "../i18n.js";
import { currency, el, frame, param, say, errorText } from "../ui.js";

frame("search");
const content = document.getElementById("content");
const message = document.getElementById("message");
const q = (param("q") || "").trim();
const state = { category: param("category") || "", province: param("province") || "" };

function go(changes) {
  const url = new URL(location.pathname, location.origin);
  url.searchParams.set("q", q);
  for (const [name, value] of Object.entries({ ...state, ...changes })) if (value) url.searchParams.set(name, value);
  location.href = url;
}

async function filters() {
  const crafts = await categories();
  const select = (id, labelKey, allKey, options, value) => el("label", { for: id }, t(labelKey),
    el("select", { id, name: id, onchange: (event) => go({ [id]: event.target.value }) },
      el("option", { value: "" }, t(allKey)),
      options.map(([slug, label]) => el("option", { value: slug, selected: slug === value }, label))));
  return el("form", { class: "filters", onsubmit: (event) => event.preventDefault() },
    select("category", "category", "all_categories", crafts.map((c) => [c.slug, categoryName(c)]), state.category),
    select("province", "province", "all_provinces", provinceSlugs.map((p) => [p, provinceName(p)]), state.province));
}

async function start() {
  if (!q) {
    content.replaceChildren(el("p", { class: "muted", id: "search-empty" }, t("search_empty")));
    return;
  }
  document.getElementById("page-title").textContent = t("search_results_for", { q });
  document.title = `${t("search_results_for", { q })} · ${t("brand")}`;
  const names = await categoryNameMap();
  const results = el("section", { id: "results", "aria-labelledby": "page-title" });
  content.replaceChildren(await filters(), results);
  const query = { q, currency: currency(), limit: 12, category: state.category, province: state.province };
  await pagedList({ container: results, empty: t("search_none", { q }), render: (listing) => listingCard(listing, names),
    fetchPage: (cursor) => api("/search", { auth: false, query: { ...query, cursor } }) });
}

start().catch((error) => say(message, errorText(error), "error"));
