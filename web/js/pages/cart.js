// The cart and checkout: address, payment method, one Idempotency-Key per checkout attempt (reused on retry).
import { api, ApiError } from "../api.js";
import { currentUser } from "../auth.js";
import { cart, clearCart, lineListing, setQuantity } from "../cart.js";
import { limitText } from "../fairstock.js";
import { t } from "../i18n.js";
import { startPayment } from "../payment.js";
import { CURRENCIES, currency, el, errorText, formatMoney, frame, inLang, refreshCartBadge, say } from "../ui.js";

frame("cart");
document.title = `${t("cart_title")} – ${t("brand")}`;
const content = document.getElementById("content");
const message = document.getElementById("message");
const ATTEMPT_KEY = "mip.checkout-attempt";
const COUNTRIES = ["PK", "AE", "SA", "GB", "US", "CA", "AU", "DE", "QA", "OM", "KW", "BH", "MY", "NO", "IT", "FR", "ES", "NL", "SE", "IE", "NZ", "TR"];

function cartTable(lines) {
  const rows = Object.entries(lines).map(([id, line]) => el("tr", { "data-listing-id": lineListing(id, line), "data-line": id },
    el("td", {}, el("a", { href: `/listing.html?id=${encodeURIComponent(lineListing(id, line))}` }, line.title),
      line.title_ur ? el("div", {}, inLang("ur", line.title_ur, "span", { class: "muted" })) : null,
      line.options ? el("div", { class: "variant-choice" }, optionsText(line.options)) : null),
    el("td", {}, formatMoney(line.price)),
    el("td", {}, el("input", { type: "number", min: 0, max: 100, value: line.quantity, "aria-label": `${t("quantity")}: ${line.title}`,
      style: "width:5rem", onchange: (event) => { setQuantity(id, Number(event.target.value) || 0); render(); } })),
    el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": `${t("remove")}: ${line.title}`,
      onclick: () => { setQuantity(id, 0); render(); } }, t("remove")))));
  const subtotal = Object.values(lines).reduce((sum, line) => sum + line.price.amount * line.quantity, 0);
  return el("div", { class: "table-wrap" }, el("table", { id: "cart-table" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("item")), el("th", { scope: "col" }, t("price_rs")),
      el("th", { scope: "col" }, t("quantity")), el("th", { scope: "col" }, el("span", { class: "skip" }, t("actions"))))),
    el("tbody", {}, rows),
    el("tfoot", {}, el("tr", {}, el("th", { scope: "row" }, t("subtotal")), el("td", { colspan: 3, id: "subtotal" }, formatMoney({ amount: subtotal, currency: "PKR" }))))),
  el("p", { class: "muted" }, t("totals_note")));
}

/** A variant's chosen options, as "Size: 9 · Colour: red". */
export const optionsText = (options) => Object.entries(options).map(([name, value]) => `${name}: ${value}`).join(" · ");

function field(name, key, attrs = {}) {
  return el("label", { for: name }, t(key), el("input", { id: name, name, autocomplete: attrs.autocomplete || "on", ...attrs }));
}

function checkoutForm(lines) {
  const status = el("p", { role: "alert", id: "checkout-status" });
  const chargeCurrency = el("select", { id: "charge-currency", name: "currency" },
    CURRENCIES.map((code) => el("option", { value: code, selected: code === currency() }, code)));
  const chargeLabel = el("label", { for: "charge-currency", hidden: true }, t("charge_currency"), chargeCurrency);
  const method = (value, key, checked) => el("label", { class: "inline" },
    el("input", { type: "radio", name: "payment_method", value, checked, onchange: () => { chargeLabel.hidden = value !== "card"; } }), t(key));
  const form = el("form", { class: "stack panel", id: "checkout-form", novalidate: false },
    el("h2", {}, t("shipping_address")),
    field("name", "name", { required: true, maxlength: 100, autocomplete: "name" }),
    field("phone", "phone", { required: true, type: "tel", autocomplete: "tel", pattern: "\\+?[0-9][0-9 \\-]{6,19}", placeholder: "+92 300 1234567" }),
    field("line1", "line1", { required: true, maxlength: 200, autocomplete: "address-line1" }),
    field("line2", "line2", { maxlength: 200, autocomplete: "address-line2" }),
    field("city", "city", { required: true, maxlength: 100, autocomplete: "address-level2" }),
    field("region", "region", { maxlength: 100, autocomplete: "address-level1" }),
    field("postal_code", "postal_code", { maxlength: 20, autocomplete: "postal-code" }),
    el("label", { for: "country" }, t("country"), el("select", { id: "country", name: "country", autocomplete: "country" },
      COUNTRIES.map((code) => el("option", { value: code }, code)))),
    el("fieldset", {}, el("legend", {}, t("payment_method")),
      method("jazzcash", "pay_jazzcash", true), method("easypaisa", "pay_easypaisa", false), method("card", "pay_card", false),
      method("cod", "pay_cod", false)),
    chargeLabel,
    el("button", { type: "submit", id: "place-order" }, t("place_order")), status);
  form.addEventListener("submit", (event) => { event.preventDefault(); placeOrder(form, lines, status); });
  return form;
}

/** The same body keeps its Idempotency-Key, so a retry after a lost answer never orders twice. */
function attemptKey(body) {
  const text = JSON.stringify(body);
  try {
    const previous = JSON.parse(sessionStorage.getItem(ATTEMPT_KEY) || "null");
    if (previous && previous.body === text) return previous.key;
  } catch (error) { /* a fresh key below */ }
  const key = crypto.randomUUID();
  sessionStorage.setItem(ATTEMPT_KEY, JSON.stringify({ key, body: text }));
  return key;
}

async function placeOrder(form, lines, status) {
  const data = new FormData(form);
  const text = (name) => String(data.get(name) || "").trim();
  const paymentMethod = text("payment_method");
  const address = { name: text("name"), phone: text("phone"), line1: text("line1"), city: text("city"), country: text("country") };
  for (const name of ["line2", "region", "postal_code"]) if (text(name)) address[name] = text(name);
  const body = {
    items: Object.entries(lines).map(([key, line]) => (line.variant_id
      ? { listing_id: lineListing(key, line), variant_id: line.variant_id, quantity: line.quantity }
      : { listing_id: lineListing(key, line), quantity: line.quantity })),
    currency: paymentMethod === "card" ? text("currency") : "PKR",
    shipping_address: address,
    payment_method: paymentMethod,
  };
  const button = form.querySelector("#place-order");
  button.disabled = true;
  say(status, t("placing_order"));
  try {
    const order = await api("/orders", { method: "POST", body, headers: { "Idempotency-Key": attemptKey(body) } });
    sessionStorage.removeItem(ATTEMPT_KEY);
    clearCart();
    say(status, t("redirecting_payment"));
    await startPayment(order).catch(() => location.assign(`/order.html?id=${encodeURIComponent(order.order_id)}`));
  } catch (error) {
    button.disabled = false;
    if (error instanceof ApiError && error.code === "OUT_OF_STOCK") {
      const named = (d) => lines[d.variant_id ? `${d.listing_id}|${d.variant_id}` : d.listing_id] || {};
      const short = error.details.map((d) => {
        const line = named(d);
        return `${line.title || d.listing_id}${line.options ? ` (${optionsText(line.options)})` : ""} (${d.available})`;
      }).join(", ");
      say(status, t("out_of_stock_error", { items: short }), "error");
    } else if (error instanceof ApiError && error.code === "LIMIT_REACHED") {
      const titles = Object.fromEntries(Object.entries(lines).map(([key, line]) => [lineListing(key, line), line.title]));
      say(status, limitText(error, titles), "error");
      status.append(" ", el("a", { href: "/orders.html", id: "limit-orders-link" }, t("limit_see_orders")));
    } else {
      say(status, errorText(error), "error");
    }
  }
}

function render() {
  refreshCartBadge();
  const lines = cart();
  if (!Object.keys(lines).length) {
    content.replaceChildren(el("p", { id: "cart-empty" }, t("cart_empty")), el("a", { href: "/", class: "button" }, t("nav_shop")));
    return;
  }
  const user = currentUser();
  content.replaceChildren(cartTable(lines), el("h2", {}, t("checkout")),
    user ? checkoutForm(lines)
      : el("p", {}, el("a", { class: "button", id: "signin-to-checkout", href: `/signin.html?next=${encodeURIComponent("/cart.html")}` }, t("sign_in_to_checkout"))));
}

try { render(); } catch (error) { say(message, errorText(error), "error"); }
