// A printable monthly statement (/statement.html?month=YYYY-MM) of the signed-in artisan: totals and lines as the
// API computes them from the ledger, amounts from integer paisa; printing keeps only the statement (statement.css).
import { api } from "../api.js";
import { session } from "../auth.js";
import { lang, t } from "../i18n.js";
import { csvButton, monthName, pktMonth, rupees } from "../dashboard/statements.js";
import { el, errorText, frame, param, say } from "../ui.js";

frame("dashboard");
const content = document.getElementById("content");
const message = document.getElementById("message");
const heading = document.getElementById("page-title");
const month = param("month") || pktMonth(1);

const SUMMARY = [["sales", "stmt_sales"], ["commission", "stmt_commission"], ["refunds", "stmt_refunds"],
  ["dispute_holds", "stmt_holds"], ["dispute_releases", "stmt_releases"], ["payouts", "stmt_payouts"],
  ["payout_reversals", "stmt_reversals"]];

/** Pakistan wall-clock time of a stored UTC timestamp, in the reader's language. */
function pktTime(value, withTime = true) {
  const options = withTime ? { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Karachi" }
    : { dateStyle: "medium", timeZone: "Asia/Karachi" };
  return new Intl.DateTimeFormat(lang() === "ur" ? "ur-PK" : "en-GB", options).format(new Date(value));
}

const money = (value, extra = {}) => el("td", { class: `money${value.amount < 0 ? " debit" : ""}`, ...extra }, rupees(value));

function summary(doc) {
  const row = (key, value, id, cls) => el("tr", { class: cls || null }, el("th", { scope: "row" }, t(key)), money(value, { id }));
  // Commission is taken off: shown negated, so the column adds up from opening to closing.
  const commission = { ...doc.totals.commission, amount: -doc.totals.commission.amount };
  return el("table", { class: "statement summary", id: "statement-summary" },
    el("caption", { class: "skip" }, t("stmt_summary")),
    el("tbody", {}, row("stmt_opening", doc.opening_balance, "opening-balance"),
      SUMMARY.map(([name, key]) => row(key, name === "commission" ? commission : doc.totals[name], `total-${name}`)),
      row("stmt_closing", doc.closing_balance, "closing-balance", "total")));
}

function lines(doc) {
  if (!doc.lines.length) return el("p", { class: "muted", id: "statement-empty" }, t("stmt_none"));
  const what = (line) => [t(`kind_${line.kind}`), line.ref && line.ref !== line.order_id ? ` · ${line.ref}` : ""].join("");
  return el("div", { class: "statement-lines" }, el("table", { class: "statement lines", id: "statement-lines" },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("stmt_date")), el("th", { scope: "col" }, t("entry_kind")),
      el("th", { scope: "col", class: "optional" }, t("stmt_ref")), el("th", { scope: "col", class: "money optional" }, t("stmt_gross")),
      el("th", { scope: "col", class: "money optional" }, t("stmt_commission")), el("th", { scope: "col", class: "money" }, t("stmt_amount")),
      el("th", { scope: "col", class: "money" }, t("stmt_balance")))),
    el("tbody", {}, doc.lines.map((line) => el("tr", { "data-kind": line.kind, "data-order-id": line.order_id },
      el("td", {}, pktTime(line.created_at)),
      el("td", {}, what(line), el("span", { class: "detail muted", lang: "en", dir: "ltr" }, line.order_id)),
      el("td", { class: "optional", lang: "en", dir: "ltr" }, line.order_id),
      money(line.gross, { class: "money optional" }), money(line.commission, { class: "money optional" }),
      money(line.amount), money(line.balance, { class: "money running" }))))));
}

async function start() {
  if (!(await session())) {
    content.replaceChildren(el("p", {}, el("a", { class: "button", href: `/signin.html?next=${encodeURIComponent(location.pathname + location.search)}` }, t("nav_signin"))));
    return;
  }
  heading.textContent = t("stmt_heading", { m: monthName(month) });
  document.title = `${heading.textContent} – ${t("brand")}`;
  const doc = await api(`/artisans/me/statements/${encodeURIComponent(month)}`);
  const me = await api("/artisans/me").catch(() => null);
  const status = el("p", { role: "alert", id: "statement-status" });
  const lastDay = new Date(new Date(doc.period_end).getTime() - 1);
  content.replaceChildren(
    el("div", { class: "statement-actions" },
      el("a", { class: "button secondary", href: "/dashboard.html#statements", id: "back-to-statements" }, t("stmt_back")),
      el("button", { type: "button", id: "print-statement", onclick: () => window.print() }, t("stmt_print")),
      csvButton(month, status)),
    status,
    el("div", { class: "statement-head" },
      el("p", { id: "statement-artisan" }, el("strong", {}, `${t("artisan")}: `), me ? me.display_name : doc.artisan_id),
      el("p", { id: "statement-period" }, t("stmt_period", { from: pktTime(doc.period_start, false), to: pktTime(lastDay.toISOString(), false) })),
      doc.final ? null : el("p", { class: "notice", id: "statement-running" }, t("stmt_running", { t: pktTime(doc.as_of) })),
      el("p", { class: "muted" }, t("stmt_note"))),
    el("h2", {}, t("stmt_summary")), summary(doc),
    el("h2", {}, t("stmt_entries")), lines(doc));
}

start().catch((error) => say(message, errorText(error), "error"));
