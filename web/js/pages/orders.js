// The buyer's orders, newest first, with their status.
import { api } from "../api.js";
import { session } from "../auth.js";
import { pagedList } from "../catalog.js";
import { notificationSettingsSection } from "../dashboard/notifications.js";
import { statusName, t } from "../i18n.js";
import { el, errorText, formatDate, formatMoney, frame, say, statusBadge } from "../ui.js";

frame("orders");
document.title = `${t("orders_title")} – ${t("brand")}`;
const content = document.getElementById("content");
const message = document.getElementById("message");

function orderRow(order) {
  return el("li", { class: "panel", "data-order-id": order.order_id },
    el("div", { class: "row" }, el("a", { href: `/order.html?id=${encodeURIComponent(order.order_id)}` }, t("order_title", { id: order.order_id })),
      statusBadge(order.status, statusName(order.status))),
    el("p", { class: "muted" }, `${formatDate(order.created_at)} · ${order.items.map((item) => `${item.title} × ${item.quantity}`).join(", ")}`),
    el("p", {}, `${t("total")}: `, formatMoney(order.total)));
}

async function start() {
  if (!(await session())) {
    location.assign(`/signin.html?next=${encodeURIComponent("/orders.html")}`);
    return;
  }
  // How the buyer hears of their orders (e-mail or SMS, language), under the list.
  const settings = el("section", { id: "notify" });
  content.after(settings);
  await Promise.all([pagedList({ container: content, listClass: "plain", empty: t("no_orders"), render: orderRow,
    fetchPage: (cursor) => api("/orders", { query: { cursor, limit: 20 } }) }), notificationSettingsSection(settings)]);
}

start().catch((error) => say(message, errorText(error), "error"));
