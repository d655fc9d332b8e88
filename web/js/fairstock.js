// Fair stock in the browser: what a LIMIT_REACHED refusal says at checkout, why an order was cancelled,
// the artisan's "Decline" on a cash-on-delivery order and ops' "Cancel order" (API.md part two, "Fair stock").
import { api } from "./api.js";
import { t } from "./i18n.js";
import { el, errorText, say } from "./ui.js";

const UNDELIVERED = new Set(["pending_payment", "confirmed", "paid", "partially_shipped", "shipped"]);

/** The sentence for a LIMIT_REACHED refusal: each limit passed, with what the buyer already holds. */
export function limitText(error, titles) {
  return error.details.map((detail) => detail.limit === "max_open_orders"
    ? t("limit_open_orders", { max: detail.max })
    : t("limit_units", { max: detail.max, item: titles[detail.listing_id] || detail.listing_id, held: detail.held })).join(" ");
}

/** Who cancelled the order and why, when someone other than the buyer did. */
export function cancellationNote(order) {
  if (order.status !== "cancelled" || !order.cancelled_by || order.cancelled_by === "buyer") return null;
  return el("p", { class: "notice", id: "cancellation" },
    t(`cancelled_by_${order.cancelled_by}`), order.cancel_reason ? `: ${order.cancel_reason}` : "");
}

/** A reason box and a confirming button that POSTs {reason} to `path`, then calls `done(order)`. */
function reasonForm({ id, path, legendKey, submitKey, noteKey, done }) {
  const reason = el("textarea", { id: `${id}-reason`, name: "reason", maxlength: 500, required: true, rows: 2 });
  const status = el("p", { role: "alert", id: `${id}-status` });
  const button = el("button", { type: "submit", class: "danger", id: `${id}-submit` }, t(submitKey));
  const form = el("form", { id, class: "stack panel" }, el("h3", {}, t(legendKey)),
    noteKey ? el("p", { class: "muted" }, t(noteKey)) : null,
    el("label", { for: `${id}-reason` }, t("cancel_reason_label"), reason), button, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const order = await api(path, { method: "POST", body: { reason: reason.value.trim() } });
      await done(order);
    } catch (error) {
      say(status, errorText(error), "error");
      button.disabled = false;
    }
  });
  return form;
}

/** The artisan declines a confirmed cash-on-delivery order none of which has shipped. */
export function declineForm(order, done) {
  if (order.status !== "confirmed" || order.items.some((item) => item.fulfilment === "shipped")) return null;
  return reasonForm({ id: `decline-${order.order_id}`, path: `/orders/${encodeURIComponent(order.order_id)}/rejection`,
    legendKey: "decline_title", submitKey: "decline", noteKey: "decline_note", done });
}

/** Ops cancel an undelivered order; a paid one is refunded in full as it is cancelled. */
export function opsCancelForm(order, done) {
  if (!UNDELIVERED.has(order.status)) return null;
  const paid = order.payment_method !== "cod" && ["paid", "partially_shipped", "shipped"].includes(order.status);
  return reasonForm({ id: "ops-cancel", path: `/ops/orders/${encodeURIComponent(order.order_id)}/cancel`,
    legendKey: "ops_cancel_title", submitKey: "ops_cancel", noteKey: paid ? "ops_cancel_refund_note" : null, done });
}
