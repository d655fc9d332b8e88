// One order (/order.html?id=…, where the payment gateway sends the buyer back): status, lines, totals, pay or cancel.
import { api } from "../api.js";
import { session } from "../auth.js";
import { carrierName, statusName, t } from "../i18n.js";
import { startPayment } from "../payment.js";
import { el, errorText, formatDate, formatMoney, frame, param, say, statusBadge, fill } from "../ui.js";

frame("orders");
const content = document.getElementById("content");
const message = document.getElementById("message");
const id = param("id");

function lines(order) {
  return el("div", { class: "table-wrap" }, el("table", {},
    el("thead", {}, el("tr", {}, ["item", "quantity", "total", "fulfilment"].map((key) => el("th", { scope: "col" }, t(key))))),
    el("tbody", {}, order.items.map((item) => el("tr", {},
      el("td", {}, el("a", { href: `/listing.html?id=${encodeURIComponent(item.listing_id)}` }, item.title)),
      el("td", {}, String(item.quantity)), el("td", {}, formatMoney(item.line_total)),
      el("td", {}, statusName(item.fulfilment), item.tracking_number ? el("div", { class: "muted" },
        t("shipped_with", { c: carrierName(item.carrier), n: item.tracking_number })) : null))))));
}

function actions(order) {
  const status = el("p", { role: "alert", id: "order-action-status" });
  const run = (action) => async (event) => {
    event.currentTarget.disabled = true;
    try { await action(); } catch (error) { say(status, errorText(error), "error"); event.target.disabled = false; }
  };
  const buttons = [];
  if (order.status === "pending_payment" && order.payment_method !== "cod") {
    buttons.push(el("button", { type: "button", id: "pay-now", onclick: run(() => startPayment(order)) }, t("pay_now")));
  }
  const shippedAny = order.items.some((item) => item.fulfilment === "shipped");
  if ((order.status === "pending_payment" || order.status === "confirmed") && !shippedAny) {
    buttons.push(el("button", { type: "button", class: "danger", id: "cancel-order", onclick: run(async () => {
      await api(`/orders/${encodeURIComponent(order.order_id)}/cancel`, { method: "POST" });
      await show();
      say(message, t("order_cancelled"));
    }) }, t("cancel_order")));
  }
  return el("div", {}, el("div", { class: "row" }, buttons), status);
}

async function show() {
  const order = await api(`/orders/${encodeURIComponent(id)}`);
  document.getElementById("page-title").textContent = t("order_title", { id: order.order_id });
  document.title = `${t("order_title", { id: order.order_id })} – ${t("brand")}`;
  const address = order.shipping_address || {};
  fill(content, 
    el("p", {}, `${t("order_status")}: `, statusBadge(order.status, statusName(order.status)), el("span", { id: "order-status", hidden: true }, order.status)),
    order.last_payment_error && order.status === "pending_payment" ? el("p", { class: "error" }, t("payment_error", { e: order.last_payment_error })) : null,
    order.needs_review ? el("p", { class: "notice" }, t("needs_review")) : null,
    lines(order),
    el("dl", { class: "facts" },
      el("dt", {}, t("subtotal")), el("dd", {}, formatMoney(order.subtotal)),
      el("dt", {}, t("shipping")), el("dd", {}, formatMoney(order.shipping)),
      el("dt", {}, t("total")), el("dd", { id: "order-total" }, formatMoney(order.total)),
      order.charge.currency !== "PKR" ? [el("dt", {}, t("charged")), el("dd", {}, formatMoney(order.charge))] : null,
      el("dt", {}, t("payment_method")), el("dd", {}, t(`pay_${order.payment_method}`)),
      el("dt", {}, t("placed_on")), el("dd", {}, formatDate(order.created_at)),
      order.status === "pending_payment" && order.expires_at ? [el("dt", {}, t("expires_at")), el("dd", {}, formatDate(order.expires_at))] : null,
      el("dt", {}, t("shipping_address")), el("dd", {}, [address.name, address.line1, address.line2, address.city, address.region, address.postal_code, address.country].filter(Boolean).join(", "))),
    actions(order));
}

async function start() {
  if (!(await session())) {
    location.assign(`/signin.html?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  await show();
}

start().catch((error) => say(message, error.status === 404 ? t("order_not_found") : errorText(error), "error"));
