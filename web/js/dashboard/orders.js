// Incoming orders for the artisan (their lines, grouped by order) with the ship form; and the payout balance.
import { api } from "../api.js";
import { pagedList } from "../catalog.js";
import { declineForm } from "../fairstock.js";
import { entryCells } from "../refunds.js";
import { carrierName, carrierSlugs, statusName, t } from "../i18n.js";
import { el, formatDate, formatMoney, statusBadge } from "../ui.js";
import { actionForm, input, select, text } from "./forms.js";

const SHIPPABLE = new Set(["paid", "confirmed", "partially_shipped"]);

function shipForm(order, reload) {
  return actionForm({
    id: `ship-${order.order_id}`,
    className: "stack",
    submitKey: "ship",
    fields: [
      select("carrier", "carrier", carrierSlugs.map((slug) => [slug, carrierName(slug)]), "tcs", { id: `carrier-${order.order_id}` }),
      input("tracking_number", "tracking_number", { id: `tracking-${order.order_id}`, required: true, maxlength: 40 }),
    ],
    action: async (data) => {
      await api(`/orders/${encodeURIComponent(order.order_id)}/shipments`, { method: "POST",
        body: { carrier: text(data, "carrier"), tracking_number: text(data, "tracking_number") } });
      await reload();
      return null;
    },
  });
}

function orderCard(order, reload) {
  const address = order.shipping_address;
  const pending = order.items.some((item) => item.fulfilment === "pending");
  return el("li", { class: "panel", "data-order-id": order.order_id, "data-status": order.status },
    el("div", { class: "row" }, el("strong", {}, t("order_title", { id: order.order_id })), statusBadge(order.status, statusName(order.status)),
      el("span", { class: "muted" }, formatDate(order.created_at))),
    el("ul", {}, order.items.map((item) => el("li", {}, `${item.title}${item.options ? ` (${Object.entries(item.options)
      .map(([name, value]) => `${name}: ${value}`).join(" · ")})` : ""} × ${item.quantity} — ${formatMoney(item.line_total)} — `,
      statusName(item.fulfilment), item.tracking_number ? ` (${t("shipped_with", { c: carrierName(item.carrier), n: item.tracking_number })})` : ""))),
    address ? el("p", {}, el("strong", {}, `${t("ship_to")}: `),
      [address.name, address.phone, address.line1, address.line2, address.city, address.region, address.postal_code, address.country].filter(Boolean).join(", ")) : null,
    SHIPPABLE.has(order.status) && pending ? shipForm(order, reload) : null,
    declineForm(order, reload));
}

export async function ordersSection(container) {
  const list = el("div", {});
  container.replaceChildren(el("h2", {}, t("incoming_orders")), list);
  const reload = () => ordersSection(container);
  await pagedList({ container: list, listClass: "plain", empty: t("no_incoming"), render: (order) => orderCard(order, reload),
    fetchPage: (cursor) => api("/artisans/me/orders", { query: { cursor, limit: 20 } }) });
}

export async function payoutsSection(container) {
  const payouts = await api("/artisans/me/payouts");
  container.replaceChildren(el("h2", {}, t("payouts_title")),
    el("p", {}, `${t("balance")}: `, el("strong", { id: "payout-balance" }, formatMoney(payouts.balance))),
    payouts.entries.length
      ? el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, ["order", "entry_kind", "amount", "date"].map((key) => el("th", { scope: "col" }, t(key))))),
        el("tbody", {}, payouts.entries.map((entry) => el("tr", {}, el("td", {}, entry.order_id),
          entryCells(entry), el("td", {}, formatDate(entry.created_at)))))))
      : el("p", { class: "muted" }, t("no_payouts")));
}
