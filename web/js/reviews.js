// Reviews: the rating and the reviews on a listing's page (ops may hide one there), and the buyer's review forms
// on a delivered order's page.
import { api, ApiError } from "./api.js";
import { currentUser, hasGroup } from "./auth.js";
import { pagedList } from "./catalog.js";
import { t } from "./i18n.js";
import { el, errorText, formatDate, say } from "./ui.js";

const STARS = [1, 2, 3, 4, 5];

/** Five stars, `rating` of them filled, read out as "4 stars". */
function stars(rating) {
  return el("span", { class: "stars", role: "img", "aria-label": t("stars_n", { n: rating }) },
    STARS.map((n) => (n <= Math.round(rating) ? "★" : "☆")).join(""));
}

/** The listing's rating in one line: its stars, mean and count, or that nobody has reviewed it yet. */
export function ratingLine(listing) {
  const rating = listing.rating || { average: null, count: 0 };
  if (!rating.count) return el("p", { class: "rating muted", id: "listing-rating" }, t("rating_none"));
  return el("p", { class: "rating", id: "listing-rating" }, stars(rating.average), " ",
    t(rating.count === 1 ? "rating_summary_one" : "rating_summary", { a: rating.average.toFixed(1), n: rating.count }));
}

function hideForm(review, item) {
  const reason = el("input", { id: `hide-reason-${review.review_id}`, name: "reason", required: true, maxlength: 500 });
  const status = el("p", { role: "status", "aria-live": "polite" });
  return el("form", { class: "row hide-review", onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api(`/ops/reviews/${encodeURIComponent(review.review_id)}/hide`, { method: "POST", body: { reason: reason.value } });
      item.replaceChildren(el("p", { class: "notice" }, t("review_hidden")));
    } catch (error) {
      say(status, errorText(error), "error");
    }
  } }, el("label", { for: reason.id }, t("hide_reason"), reason), el("button", { type: "submit", class: "danger" }, t("hide_review")), status);
}

function reviewItem(review, ops) {
  const item = el("li", { class: "review", "data-review-id": review.review_id });
  item.append(el("p", {}, stars(review.rating), " ", el("span", { class: "muted" }, t("review_verified"), " · ", formatDate(review.created_at))),
    review.text ? el("p", { dir: "auto", class: "review-text" }, review.text) : null);
  if (ops) item.append(hideForm(review, item));
  return item;
}

/** The "Reviews" section of a listing's page: its reviews, newest first, a page at a time. */
export function reviewsSection(listing) {
  const ops = hasGroup(currentUser(), "ops");
  const list = el("div", { id: "reviews-list" });
  const section = el("section", { id: "reviews", "aria-labelledby": "reviews-title" },
    el("h2", { id: "reviews-title" }, t("reviews_title")), list);
  pagedList({ container: list, listClass: "reviews", empty: t("reviews_none"), render: (review) => reviewItem(review, ops),
    fetchPage: (cursor) => api(`/listings/${encodeURIComponent(listing.listing_id)}/reviews`, { query: { limit: 5, cursor } }) });
  return section;
}

function reviewForm(orderId, item) {
  const key = `review-${item.listing_id}`;
  const status = el("p", { role: "status", "aria-live": "polite", id: `${key}-status` });
  const choices = el("fieldset", { class: "star-choice" }, el("legend", {}, t("review_rating")),
    STARS.map((n) => el("label", {}, el("input", { type: "radio", name: `${key}-rating`, value: n, required: true, checked: n === 5 }),
      t("stars_n", { n }))));
  const text = el("textarea", { id: `${key}-text`, name: "text", maxlength: 2000, rows: 3, dir: "auto" });
  const form = el("form", { class: "stack review-form", id: key, "data-listing-id": item.listing_id, onsubmit: async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    const rating = Number(form.querySelector(`input[name="${key}-rating"]:checked`).value);
    try {
      await api(`/orders/${encodeURIComponent(orderId)}/reviews`, { method: "POST",
        body: { listing_id: item.listing_id, rating, ...(text.value.trim() ? { text: text.value } : {}) } });
      form.replaceChildren(el("p", { class: "notice", id: `${key}-done` }, t("review_thanks")));
    } catch (error) {
      const duplicate = error instanceof ApiError && error.code === "DUPLICATE";
      say(status, duplicate ? t("review_duplicate") : errorText(error), duplicate ? "info" : "error");
      button.disabled = duplicate;
    }
  } }, el("h3", {}, item.title), choices, el("label", { for: text.id }, t("review_text"), text),
  el("button", { type: "submit" }, t("review_submit")), status);
  return form;
}

/** On a delivered order's page: "Write a review" for each listing in it (nothing for any other order). */
export function reviewForms(order) {
  if (order.status !== "delivered") return null;
  const seen = new Set();
  const items = order.items.filter((item) => !seen.has(item.listing_id) && seen.add(item.listing_id));
  return el("section", { id: "write-reviews", "aria-labelledby": "write-reviews-title" },
    el("h2", { id: "write-reviews-title" }, t("write_review")), el("p", { class: "muted" }, t("reviews_for_items")),
    items.map((item) => reviewForm(order.order_id, item)));
}
