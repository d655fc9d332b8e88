// Page furniture and small DOM helpers shared by every page: header, footer, money, dates, messages.
import { applyLanguage, lang, setLang, t } from "./i18n.js";
import { currentUser, hasGroup, signOut } from "./auth.js";
import { cartCount } from "./cart.js";
import { el } from "./dom.js";
import { searchBox } from "./search.js";

export { el };

const CURRENCY_KEY = "mip.currency";
export const CURRENCIES = ["PKR", "USD", "GBP", "EUR", "AED", "SAR"];

/** User text in a known language: Urdu is right-to-left in the Nastaliq face, English left-to-right. */
export function inLang(code, text, tag = "span", attrs = {}) {
  return el(tag, { ...attrs, lang: code, dir: code === "ur" ? "rtl" : "ltr" }, text);
}

/** The title (and Urdu title) of a listing, the page's language first. */
export function titleNodes(listing, tag = "span") {
  const english = inLang("en", listing.title, tag, { class: "title" });
  if (!listing.title_ur) return [english];
  const urdu = inLang("ur", listing.title_ur, tag, { class: "title ur" });
  if (lang() === "ur") { english.className = "muted"; return [urdu, english]; }
  urdu.className = "ur muted";
  return [english, urdu];
}

export function formatMoney(money) {
  if (!money) return "";
  const digits = 2;
  const value = money.amount / 10 ** digits; // display only: money is never computed in floats
  try {
    return new Intl.NumberFormat(lang() === "ur" ? "ur-PK" : "en-PK", {
      style: "currency", currency: money.currency, minimumFractionDigits: value % 1 ? 2 : 0, maximumFractionDigits: 2,
    }).format(value);
  } catch (error) {
    return `${money.currency} ${value.toFixed(2)}`;
  }
}

/** Rupees typed by a person ("2,500" or "2500.5") to paisa, without floats; null if not a number. */
export function rupeesToPaisa(text) {
  const match = String(text).replace(/[,\s]/g, "").match(/^(\d{1,9})(?:\.(\d{1,2}))?$/);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
}

export const paisaToRupees = (amount) => (amount % 100 ? `${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, "0")}` : String(amount / 100));

export function formatDate(value) {
  if (!value) return "";
  return new Intl.DateTimeFormat(lang() === "ur" ? "ur-PK" : "en-GB", { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}

export function currency() {
  const fromQuery = new URLSearchParams(location.search).get("currency");
  if (fromQuery && CURRENCIES.includes(fromQuery)) return fromQuery;
  const stored = localStorage.getItem(CURRENCY_KEY);
  return CURRENCIES.includes(stored) ? stored : "PKR";
}

export const param = (name) => new URLSearchParams(location.search).get(name);

export function statusBadge(status, label) {
  return el("span", { class: `status status-${status}` }, label);
}

/** Shows a message in a live region: kind "error" (role=alert) or "info" (role=status). */
export function say(region, message, kind = "info") {
  region.textContent = "";
  region.className = kind === "error" ? "error" : "notice";
  if (message) region.append(message);
}

/** A readable sentence for an error from the API or the network. */
export function errorText(error) {
  if (!error) return t("error_generic");
  if (error.code === "NETWORK") return t("network_error");
  if (error.details && error.details.length && error.code === "VALIDATION_ERROR") {
    return `${error.message} ${error.details.map((d) => `${d.field}: ${d.message}`).join("; ")}`;
  }
  return error.message || t("error_generic");
}

/** Where "Sell on Made in Pakistan" leads: the dashboard's seller sign-up, through sign-in when signed out. */
export function sellHref(user) {
  const target = "/dashboard.html#sell";
  return user ? target : `/signin.html?next=${encodeURIComponent(target)}`;
}

/** Whether to offer "Sell on Made in Pakistan": to everyone who is not an artisan yet. */
export const offersSelling = (user) => !hasGroup(user, "artisans");

function header(active) {
  const user = currentUser();
  const link = (href, key, name, extra) => el("a", { href, "aria-current": active === name ? "page" : null }, t(key), extra);
  const count = cartCount();
  const currencySelect = el("select", { id: "currency-select", "aria-label": t("currency"),
    onchange: (event) => { localStorage.setItem(CURRENCY_KEY, event.target.value); const url = new URL(location.href); url.searchParams.delete("currency"); location.href = url; } },
    CURRENCIES.map((code) => el("option", { value: code, selected: code === currency() }, code)));
  const nav = el("nav", { "aria-label": t("brand") },
    link("/", "nav_shop", "shop"),
    link("/cart.html", "nav_cart", "cart", count ? el("span", { class: "badge", id: "cart-count" }, " ", String(count)) : null),
    user ? link("/orders.html", "nav_orders", "orders") : null,
    user && (hasGroup(user, "artisans") || hasGroup(user, "ops")) ? link("/dashboard.html", "nav_dashboard", "dashboard") : null,
    offersSelling(user) ? el("a", { href: sellHref(user), id: "sell-link", class: "sell" }, t("sell")) : null,
    user
      ? el("button", { type: "button", class: "lang", onclick: async (event) => {
        event.currentTarget.disabled = true;
        await signOut();
        location.href = "/";
      } }, t("nav_signout"))
      : link(`/signin.html?next=${encodeURIComponent(location.pathname + location.search)}`, "nav_signin", "signin"),
    currencySelect,
    el("button", { type: "button", class: "lang", id: "lang-switch", "aria-label": t("lang_switch_label"),
      lang: lang() === "ur" ? "en" : "ur", onclick: () => { setLang(lang() === "ur" ? "en" : "ur"); location.reload(); } }, t("lang_switch")));
  return el("header", { class: "site" }, el("a", { class: "skip", href: "#main" }, t("skip")),
    el("a", { class: "brand", href: "/" }, t("brand")), searchBox(), nav);
}

/** Sets up the page: language and direction, header, footer. Call first on every page. */
let activePage = "";

export function frame(active) {
  activePage = active;
  applyLanguage();
  document.body.prepend(header(active));
  document.body.append(el("footer", { class: "site" }, t("tagline")));
  const main = document.getElementById("main");
  if (main) main.tabIndex = -1;
  return main;
}

export function refreshCartBadge() {
  const old = document.querySelector("header.site");
  if (old) old.replaceWith(header(activePage));
}

/** node.replaceChildren without the "null" text that DOM would make of absent optional parts. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
}
