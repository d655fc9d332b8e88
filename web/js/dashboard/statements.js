// Monthly statements (API.md "Getting paid"): the dashboard's list of recent months, each opening the printable page
// (/statement.html?month=YYYY-MM) or downloading its CSV. Months are Pakistan time (UTC+05:00, no daylight saving),
// as the server counts them; amounts are shown from integer paisa without floating-point arithmetic.
import { ApiError } from "../api.js";
import { session } from "../auth.js";
import { apiUrl } from "../config.js";
import { lang, t } from "../i18n.js";
import { el, errorText, say } from "../ui.js";

const PKT_OFFSET_MS = 5 * 60 * 60 * 1000;
const MONTHS_SHOWN = 12;

/** "YYYY-MM" of the month `back` months before the current one in Pakistan. */
export function pktMonth(back = 0, now = Date.now()) {
  const local = new Date(now + PKT_OFFSET_MS);
  const index = local.getUTCFullYear() * 12 + local.getUTCMonth() - back;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** "November 2026" / "نومبر 2026". */
export function monthName(month) {
  const [year, number] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(lang() === "ur" ? "ur-PK" : "en-GB", { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, number - 1, 1)));
}

/** Integer paisa as rupees with two decimals and grouped thousands ("-2,375.50"), by integer arithmetic only. */
export function rupees(money) {
  const paisa = money.amount;
  const whole = Math.floor(Math.abs(paisa) / 100);
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${paisa < 0 ? "-" : ""}${grouped}.${String(Math.abs(paisa) % 100).padStart(2, "0")}`;
}

/** Fetches the month's CSV with the session's token and hands it to the browser as a download. */
export async function downloadCsv(month) {
  const current = await session();
  let response;
  try {
    response = await fetch(`${await apiUrl()}/artisans/me/statements/${encodeURIComponent(month)}/csv`,
      { headers: current ? { Authorization: `Bearer ${current.idToken}` } : {} });
  } catch (error) {
    throw new ApiError(0, "NETWORK", error.message);
  }
  if (!response.ok) {
    const problem = ((await response.json().catch(() => null)) || {}).error || {};
    throw new ApiError(response.status, problem.code || `HTTP_${response.status}`, problem.message || response.statusText);
  }
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `statement-${month}.csv`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

/** A button that downloads `month`'s CSV, reporting a failure in `status`. */
export function csvButton(month, status) {
  return el("button", { type: "button", class: "secondary", id: `csv-${month}`, "data-month": month, onclick: async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try { await downloadCsv(month); say(status, ""); } catch (error) { say(status, errorText(error), "error"); }
    button.disabled = false;
  } }, t("stmt_csv"));
}

export async function statementsSection(container) {
  const status = el("p", { role: "alert", id: "statements-status" });
  const months = Array.from({ length: MONTHS_SHOWN }, (_, back) => pktMonth(back));
  container.replaceChildren(el("h2", {}, t("stmt_title")), el("p", { class: "muted" }, t("stmt_intro")), status,
    el("ul", { class: "plain statement-months", id: "statement-months" }, months.map((month) => el("li", { class: "row", "data-month": month },
      el("strong", {}, monthName(month)),
      el("a", { class: "button", id: `open-${month}`, href: `/statement.html?month=${month}` }, t("stmt_open")),
      csvButton(month, status)))));
}
