// Handing the buyer to the payment gateway for an order placed with jazzcash, easypaisa or card.
import { api } from "./api.js";
import { el } from "./ui.js";

export const orderPage = (orderId) => `/order.html?id=${encodeURIComponent(orderId)}`;

/**
 * JazzCash and Easypaisa (hosted checkouts): POST /orders/{id}/payment, then post its form_fields to action_url
 * (an auto-submitted form); each returns the buyer to the API, which sends them on to the order page.
 * Card: go to the gateway's payment page. Cash on delivery: nothing to pay now, show the order.
 */
export async function startPayment(order) {
  if (order.payment_method === "cod") {
    location.assign(orderPage(order.order_id));
    return;
  }
  const payment = await api(`/orders/${encodeURIComponent(order.order_id)}/payment`, { method: "POST" });
  if (payment.provider === "jazzcash" || payment.provider === "easypaisa") {
    const form = el("form", { method: "post", action: payment.action_url, id: "gateway-form", hidden: true },
      Object.entries(payment.form_fields).map(([name, value]) => el("input", { type: "hidden", name, value: String(value) })));
    document.body.append(form);
    form.submit();
    return;
  }
  location.assign(payment.action_url);
}
