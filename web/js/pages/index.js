// Browse: everything or one craft (each sortable by price), by province or by artisan, in pages, prices in the buyer's currency.
import { api } from "../api.js";
import { categories, categoryNameMap, listingCard, pagedList } from "../catalog.js";
import { categoryName, provinceName, provinceSlugs, t } from "../i18n.js";
import { currentUser } from "../auth.js";
import { currency, el, frame, offersSelling, param, say, errorText, sellHref } from "../ui.js";

const main = frame("shop");
document.title = t("brand");
const content = document.getElementById("content");
const message = document.getElementById("message");

// The API serves one browse shape at a time: craft or everything (each with sort), province, or artisan.
const state = { category: param("category") || "", province: param("province") || "", artisan: param("artisan") || "",
  sort: param("sort") || "newest" };

function go(changes) {
  const next = { ...state, ...changes };
  const url = new URL(location.pathname, location.origin);
  for (const name of ["category", "province", "artisan"]) if (next[name]) url.searchParams.set(name, next[name]);
  if (!next.province && !next.artisan && next.sort !== "newest") url.searchParams.set("sort", next.sort);
  if (param("currency")) url.searchParams.set("currency", param("currency"));
  location.href = url;
}

async function filters() {
  const [crafts, artisans] = await Promise.all([categories(), api("/artisans", { auth: false, query: { limit: 100 } }).catch(() => ({ items: [] }))]);
  const select = (id, labelKey, allKey, options, value, onchange, extra = {}) => el("label", { for: id }, t(labelKey),
    el("select", { id, name: id, onchange, ...extra }, el("option", { value: "" }, t(allKey)),
      options.map(([slug, label]) => el("option", { value: slug, selected: slug === value }, label))));
  const sortable = !state.province && !state.artisan;
  const sortSelect = el("select", { id: "sort", name: "sort", disabled: !sortable, "aria-describedby": sortable ? null : "sort-hint",
    onchange: (event) => go({ sort: event.target.value }) },
    ["newest", "price_asc", "price_desc"].map((sort) => el("option", { value: sort, selected: sort === state.sort }, t(`sort_${sort}`))));
  return el("form", { class: "filters", role: "search", onsubmit: (event) => event.preventDefault() },
    select("category", "category", "all_categories", crafts.map((c) => [c.slug, categoryName(c)]), state.category,
      (event) => go({ category: event.target.value, province: "", artisan: "" })),
    select("province", "province", "all_provinces", provinceSlugs.map((p) => [p, provinceName(p)]), state.province,
      (event) => go({ province: event.target.value, category: "", artisan: "", sort: "newest" })),
    select("artisan", "artisan", "all_artisans", artisans.items.map((a) => [a.artisan_id, a.display_name]), state.artisan,
      (event) => go({ artisan: event.target.value, category: "", province: "", sort: "newest" })),
    el("label", { for: "sort" }, t("sort"), sortSelect,
      sortable ? null : el("small", { id: "sort-hint", class: "muted" }, t("sort_not_with_filter"))));
}

async function start() {
  const names = await categoryNameMap();
  const query = { currency: currency(), limit: 12 };
  if (state.category) Object.assign(query, { category: state.category, sort: state.sort });
  else if (state.province) query.province = state.province;
  else if (state.artisan) query.artisan_id = state.artisan;
  else query.sort = state.sort;
  const results = el("section", { id: "results", "aria-labelledby": "page-title" });
  const user = currentUser();
  const sell = offersSelling(user)
    ? el("aside", { class: "notice sell-cta", id: "sell-cta" }, el("p", {}, t("sell_home")),
      el("a", { class: "button", href: sellHref(user), id: "sell-cta-link" }, t("sell")))
    : null;
  content.replaceChildren(...[sell, await filters(), results].filter(Boolean));
  await pagedList({ container: results, empty: t("no_results"), render: (listing) => listingCard(listing, names),
    fetchPage: (cursor) => api("/listings", { auth: false, query: { ...query, cursor } }) });
}

start().catch((error) => say(message, errorText(error), "error"));
void main;
