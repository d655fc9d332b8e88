// One order (/order.html?id=…, where the payment gateway sends the buyer back): status, lines, totals, pay or cancel.
import { api } from "../api.js";
import { currentUser, isStaffSession, session } from "../auth.js";
import { config } from "../config.js";
import { cancellationNote, opsCancelForm } from "../fairstock.js";
import { refundForm, refundsSection } from "../refunds.js";
import { carrierName, statusName, t } from "../i18n.js";
import { startPayment } from "../payment.js";
import { reviewForms } from "../reviews.js";
import { el, errorText, formatDate, formatMoney, frame, param, say, statusBadge, fill } from "../ui.js";

frame("orders");
const content = document.getElementById("content");
const message = document.getElementById("message");
const id = param("id");
const optionsText = (options) => Object.entries(options).map(([name, value]) => `${name}: ${value}`).join(" · ");
const returnKey = (item) => `${item.listing_id}|${item.variant_id || ""}`;

function lines(order) {
  return el("div", { class: "table-wrap" }, el("table", {},
    el("thead", {}, el("tr", {}, ["item", "quantity", "total", "fulfilment"].map((key) => el("th", { scope: "col" }, t(key))))),
    el("tbody", {}, order.items.map((item) => el("tr", {},
      el("td", {}, el("a", { href: `/listing.html?id=${encodeURIComponent(item.listing_id)}` }, item.title),
        item.options ? el("div", { class: "muted variant-choice" }, optionsText(item.options)) : null),
      el("td", {}, String(item.quantity), item.refunded ? el("div", { class: "muted refunded-units" },
        t("rf_line", { n: item.refunded })) : null), el("td", {}, formatMoney(item.line_total)),
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

/** The card dispute, as the buyer needs to know it. */
function disputeNotice(order) {
  if (!order.dispute) return null;
  const key = { open: "dispute_open", won: "dispute_won", lost: "dispute_lost" }[order.dispute.status];
  return el("p", { class: order.dispute.status === "lost" ? "notice danger" : "notice", id: "dispute-notice" }, t(key));
}

/** The order's returns, and the request form while the return window is open (RETURN_DAYS from delivery). */
function returnsSection(order, returnDays) {
  const past = order.returns.map((entry) => el("li", { "data-return-id": entry.return_id },
    statusBadge(entry.status, t(`ret_st_${entry.status}`)), " ",
    entry.items.map((item) => t("ret_line", { n: item.quantity,
      t: (order.items.find((line) => line.listing_id === item.listing_id) || { title: item.listing_id }).title })).join(", "),
    el("span", { class: "muted" }, ` · ${formatDate(entry.created_at)}`)));
  const section = el("section", { id: "returns", "aria-labelledby": "returns-title" },
    el("h2", { id: "returns-title" }, t("ret_title")), past.length ? el("ul", { id: "return-list" }, past) : null);
  if (!order.delivered_at) return order.returns.length ? section : null;
  const closes = new Date(Date.parse(order.delivered_at) + returnDays * 86400000);
  if (closes < new Date()) {
    section.append(el("p", { class: "muted", id: "returns-closed" }, t("ret_closed", { d: formatDate(closes.toISOString()) })));
    return section;
  }
  const taken = {};
  for (const entry of order.returns) {
    if (entry.status === "rejected") continue;
    for (const item of entry.items) taken[returnKey(item)] = (taken[returnKey(item)] || 0) + item.quantity;
  }
  const counts = order.items.map((item) => {
    const most = Math.max(0, item.quantity - (taken[returnKey(item)] || 0));
    const inputId = `return-qty-${item.listing_id}${item.variant_id ? `-${item.variant_id}` : ""}`;
    const title = item.options ? `${item.title} (${optionsText(item.options)})` : item.title;
    return { item, most, field: el("label", { for: inputId }, t("ret_units", { t: title, n: most }),
      el("input", { id: inputId, type: "number", min: 0, max: most, value: 0, inputmode: "numeric", disabled: most === 0 })) };
  });
  const reason = el("textarea", { id: "return-reason", name: "reason", maxlength: 500, required: true });
  const status = el("p", { role: "alert", id: "return-status" });
  const button = el("button", { type: "submit", id: "return-submit" }, t("ret_send"));
  const form = el("form", { id: "return-form", class: "stack panel" }, el("h3", {}, t("ret_request")),
    el("p", { class: "muted" }, t("ret_until", { d: formatDate(closes.toISOString()) })),
    counts.map((entry) => entry.field), el("label", { for: "return-reason" }, t("ret_reason"), reason), button, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const items = counts.map(({ item, field }) => ({ listing_id: item.listing_id,
      ...(item.variant_id ? { variant_id: item.variant_id } : {}),
      quantity: Number(field.querySelector("input").value) })).filter((item) => item.quantity > 0);
    if (!items.length) { say(status, t("ret_pick"), "error"); return; }
    button.disabled = true;
    try {
      await api(`/orders/${encodeURIComponent(order.order_id)}/returns`, { method: "POST",
        body: { items, reason: reason.value.trim() } });
      await show();
      say(message, t("ret_sent"));
    } catch (error) {
      say(status, errorText(error), "error");
      button.disabled = false;
    }
  });
  section.append(form);
  return section;
}

async function show() {
  const order = await api(`/orders/${encodeURIComponent(id)}`);
  const { return_days: returnDays } = await config();
  document.getElementById("page-title").textContent = t("order_title", { id: order.order_id });
  document.title = `${t("order_title", { id: order.order_id })} – ${t("brand")}`;
  const address = order.shipping_address || {};
  fill(content, 
    el("p", {}, `${t("order_status")}: `, statusBadge(order.status, statusName(order.status)), el("span", { id: "order-status", hidden: true }, order.status)),
    order.last_payment_error && order.status === "pending_payment" ? el("p", { class: "error" }, t("payment_error", { e: order.last_payment_error })) : null,
    order.needs_review && !order.disputed ? el("p", { class: "notice" }, t("needs_review")) : null,
    disputeNotice(order),
    cancellationNote(order),
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
    actions(order),
    reviewForms(order),
    refundsSection(order),
    (await isStaffSession(currentUser())) ? opsCancelForm(order, async () => { await show(); say(message, t("ops_cancelled")); }) : null,
    (await isStaffSession(currentUser())) ? refundForm(order, async (refund) => { await show(); say(message, t(`rf_done_${refund.status}`)); }) : null,
    returnsSection(order, returnDays));
}

async function start() {
  if (!(await session())) {
    location.assign(`/signin.html?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  await show();
}

start().catch((error) => say(message, error.status === 404 ? t("order_not_found") : errorText(error), "error"));
