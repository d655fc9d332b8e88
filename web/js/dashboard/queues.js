// Operations: the orders waiting for a person, one queue at a time, longest waiting first (GET /ops/orders?queue=).
// Returns are decided here (approve refunds the items; reject); an order links to its page, where the refund form is.
import { api } from "../api.js";
import { pagedList } from "../catalog.js";
import { statusName, t } from "../i18n.js";
import { el, errorText, formatDate, formatMoney, say, statusBadge } from "../ui.js";

const QUEUES = ["needs_review", "disputed", "returns"];

function returnEntry(order, entry) {
  const note = el("input", { id: `note-${entry.return_id}`, name: "note", maxlength: 500 });
  const status = el("p", { role: "alert" });
  const titles = Object.fromEntries(order.items.map((item) => [item.listing_id, item.title]));
  const decide = (decision) => async (event) => {
    event.currentTarget.disabled = true;
    try {
      const body = { decision };
      if (note.value.trim()) body.note = note.value.trim();
      const decided = await api(`/ops/returns/${encodeURIComponent(entry.return_id)}/decision`, { method: "POST", body });
      box.replaceChildren(el("p", { class: "notice" },
        t("q_decided", { id: decided.return_id, s: t(`ret_st_${decided.status}`) })));
    } catch (error) {
      say(status, errorText(error), "error");
      event.target.disabled = false;
    }
  };
  const box = el("div", { class: "panel", "data-return-id": entry.return_id },
    el("p", {}, t("q_return", { id: entry.return_id, d: formatDate(entry.created_at) })),
    el("p", {}, entry.items.map((item) => t("ret_line", { n: item.quantity, t: titles[item.listing_id] || item.listing_id }))
      .join(", ")),
    el("label", { for: `note-${entry.return_id}` }, t("q_note"), note),
    el("div", { class: "row" },
      el("button", { type: "button", "data-decision": "approved", onclick: decide("approved") }, t("q_approve")),
      el("button", { type: "button", class: "danger", "data-decision": "rejected", onclick: decide("rejected") }, t("q_reject"))),
    status);
  return box;
}

/** Ops settle a flagged order by hand (POST /ops/orders/{id}/review-resolution): it leaves the queue, audited. */
function resolveForm(order) {
  const note = el("input", { id: `resolve-${order.order_id}`, name: "note", required: true, maxlength: 500 });
  const status = el("p", { role: "alert" });
  const form = el("form", { class: "row", "data-resolve": order.order_id },
    el("label", { for: `resolve-${order.order_id}` }, t("q_resolve_note"), note),
    el("button", { type: "submit" }, t("q_resolve")), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await api(`/ops/orders/${encodeURIComponent(order.order_id)}/review-resolution`,
        { method: "POST", body: { note: note.value.trim() } });
      form.replaceWith(el("p", { class: "notice" }, t("q_resolved", { id: order.order_id })));
    } catch (error) {
      say(status, errorText(error), "error");
      button.disabled = false;
    }
  });
  return form;
}

function queuedOrder(order, queue) {
  const link = `/order.html?id=${encodeURIComponent(order.order_id)}`;
  return el("li", { class: "panel", "data-order-id": order.order_id },
    el("p", {}, el("a", { href: link }, t("q_open_order", { id: order.order_id })), " ",
      statusBadge(order.status, statusName(order.status)), " ", formatMoney(order.total),
      el("span", { class: "muted" }, ` · ${formatDate(order.created_at)}`)),
    queue === "needs_review" && order.review_reason ? el("p", {}, t("q_why", { r: order.review_reason })) : null,
    order.dispute ? el("p", {}, t("q_dispute", { s: t(`dsp_${order.dispute.status}`),
      m: formatMoney({ amount: order.dispute.amount, currency: order.dispute.currency }) })) : null,
    queue === "needs_review" && !order.disputed ? resolveForm(order) : null,
    queue === "returns" ? order.returns.filter((entry) => entry.status === "requested")
      .map((entry) => returnEntry(order, entry)) : null,
    el("p", {}, el("a", { href: `${link}#refund`, class: "button secondary" }, t("q_refund"))));
}

export async function queuesSection(container, queue = "needs_review") {
  const list = el("div", { id: "queue-list" });
  const tabs = el("nav", { class: "tabs", "aria-label": t("tab_queues") }, QUEUES.map((name) =>
    el("a", { href: "#queues", id: `queue-${name}`, "aria-current": name === queue ? "page" : null,
      onclick: (event) => { event.preventDefault(); queuesSection(container, name); } }, t(`q_${name}`))));
  container.replaceChildren(el("h2", {}, t("tab_queues")), tabs, list);
  await pagedList({ container: list, listClass: "plain", empty: t("q_empty"),
    render: (order) => queuedOrder(order, queue),
    fetchPage: (cursor) => api("/ops/orders", { query: { queue, cursor, limit: 20 } }) });
}
