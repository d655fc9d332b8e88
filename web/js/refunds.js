// Refunds in the browser (API.md part two, "Refunds, returns and disputes"): the buyer's view of an order's refunds,
// ops' refund form on the order page (#refund: the whole order, some lines, or an amount), and how the artisan's
// payout ledger names each entry's kind (debits shown with a minus, in red).
import { api } from "./api.js";
import { t } from "./i18n.js";
import { el, errorText, formatDate, formatMoney, rupeesToPaisa, say, statusBadge } from "./ui.js";

const REFUNDABLE = new Set(["paid", "partially_shipped", "shipped", "delivered"]);

/** The order's refunds and how much has come back, for its buyer (and ops). */
export function refundsSection(order) {
  if (!order.refunds || !order.refunds.length) return null;
  return el("section", { id: "refunds", "aria-labelledby": "refunds-title" },
    el("h2", { id: "refunds-title" }, t("rf_title")),
    el("p", {}, t("rf_refunded"), " ", el("strong", { id: "refunded-amount" }, formatMoney(order.refunded_amount))),
    el("ul", { id: "refund-list" }, order.refunds.map((refund) => el("li", { "data-refund-id": refund.refund_id },
      statusBadge(refund.status, t(`rf_st_${refund.status}`)), " ", formatMoney(refund.amount),
      el("span", { class: "muted" }, ` · ${formatDate(refund.created_at)}`)))));
}

function choice(value, checked) {
  const id = `refund-kind-${value}`;
  return el("label", { for: id, class: "choice" },
    el("input", { type: "radio", name: "refund-kind", id, value, checked: checked || null }), t(`rf_kind_${value}`));
}

/** Ops' refund form: the whole order (what is left of it), chosen lines, or an amount in the charge currency. */
export function refundForm(order, done) {
  if (!REFUNDABLE.has(order.status) || (order.payment_method === "cod" && order.status !== "delivered")) return null;
  const left = order.charge.amount - (order.refunded_amount ? order.refunded_amount.amount : 0);
  if (left <= 0) return null;
  const key = crypto.randomUUID(); // one key per form: a double submit is the same refund
  const units = order.items.map((item) => {
    const most = item.quantity - (item.refunded || 0);
    const inputId = `refund-qty-${item.listing_id}`;
    return { item, input: el("input", { id: inputId, type: "number", min: 0, max: most, value: 0, inputmode: "numeric",
      disabled: most === 0 }), label: t("rf_units", { t: item.title, n: most }) };
  });
  const amount = el("input", { id: "refund-amount", name: "amount", inputmode: "decimal", autocomplete: "off",
    pattern: "[0-9][0-9,]*(\\.[0-9]{1,2})?" });
  const reason = el("textarea", { id: "refund-reason", name: "reason", maxlength: 500, required: true, rows: 2 });
  const status = el("p", { role: "alert", id: "refund-status" });
  const button = el("button", { type: "submit", class: "danger", id: "refund-submit" }, t("rf_submit"));
  const lines = el("fieldset", { id: "refund-lines" }, el("legend", {}, t("rf_kind_lines")),
    units.map(({ input, label }) => el("label", { for: input.id }, label, input)));
  const amountField = el("label", { for: "refund-amount", id: "refund-amount-field" },
    t("rf_amount", { c: order.charge.currency, m: formatMoney({ amount: left, currency: order.charge.currency }) }), amount);
  const form = el("form", { id: "refund", class: "stack panel" }, el("h3", {}, t("rf_form_title")),
    el("p", { class: "muted" }, t(order.payment_method === "cod" ? "rf_by_hand" : "rf_gateway")),
    el("fieldset", { class: "row" }, el("legend", {}, t("rf_what")), choice("whole", true), choice("lines"), choice("amount")),
    lines, amountField, el("label", { for: "refund-reason" }, t("rf_reason"), reason), button, status);
  const kind = () => form.querySelector("input[name=refund-kind]:checked").value;
  const showKind = () => { lines.hidden = kind() !== "lines"; amountField.hidden = kind() !== "amount"; };
  form.addEventListener("change", showKind);
  showKind();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { reason: reason.value.trim() };
    if (kind() === "amount") {
      const minor = rupeesToPaisa(amount.value);
      if (!minor) { say(status, t("rf_pick_amount"), "error"); return; }
      body.amount = { amount: minor, currency: order.charge.currency };
    } else {
      const whole = kind() === "whole";
      body.items = units.map(({ item, input }) => ({ listing_id: item.listing_id,
        quantity: whole ? item.quantity - (item.refunded || 0) : Number(input.value) })).filter((line) => line.quantity > 0);
      if (!body.items.length) {
        if (!whole) { say(status, t("rf_pick_lines"), "error"); return; }
        body.amount = { amount: left, currency: order.charge.currency }; // lines all refunded: what is left
        delete body.items;
      }
    }
    button.disabled = true;
    try {
      const refund = await api(`/ops/orders/${encodeURIComponent(order.order_id)}/refunds`,
        { method: "POST", body, headers: { "Idempotency-Key": key } });
      await done(refund);
    } catch (error) {
      say(status, errorText(error), "error");
      button.disabled = false;
    }
  });
  return form;
}

/** A payout ledger entry's kind, and its amount with a sign (debits are negative and marked). */
export function entryCells(entry) {
  const debit = entry.amount.amount < 0;
  const shown = formatMoney({ amount: Math.abs(entry.amount.amount), currency: entry.amount.currency });
  return [el("td", { "data-kind": entry.kind }, t(`kind_${entry.kind}`)),
    el("td", { class: debit ? "debit" : "credit" }, debit ? `−${shown}` : shown)];
}
