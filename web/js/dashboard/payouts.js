// Getting paid. The artisan's Payouts tab: where they are paid (an IBAN or a mobile wallet, shown masked; the number
// is typed, sent and never shown back), each payout with its state (sent, paid, returned) and the ledger.
// Ops' Payout runs tab: start a run, list runs, open one (its bank file, its transfers) and post the bank's results,
// picked per transfer or read from the bank's CSV (artisan_id,status[,bank_ref]).
import { api } from "../api.js";
import { pagedList } from "../catalog.js";
import { t } from "../i18n.js";
import { normalisePhone } from "../phone.js";
import { el, errorText, fill, formatDate, formatMoney, rupeesToPaisa, say, statusBadge } from "../ui.js";
import { actionForm, input, select, text } from "./forms.js";
import { payoutsSection } from "./orders.js";
import { myProfile } from "./profile.js";

const METHODS = ["iban", "jazzcash_wallet", "easypaisa_wallet"];

/** "Bank account (IBAN) ****6702 · Nasreen Bibi": the masked number as the API gives it (never more), kept left to
 * right inside Urdu text. */
function accountView(account) {
  if (!account) return t("pa_none");
  return el("span", { class: "payout-account" }, t(`pa_${account.method}`), " ",
    el("bdi", { dir: "ltr", class: "account-number" }, account.iban || account.msisdn), " · ", el("bdi", {}, account.account_title));
}

const transferStatus = (status) => statusBadge(status, t(`tr_st_${status}`));

function accountForm(container, profile) {
  const current = profile.payout_account;
  const shown = el("p", { id: "payout-account-current" }, `${t("pa_current")}: `, el("strong", {}, accountView(current)));
  const form = actionForm({
    id: "payout-account-form",
    submitKey: "pa_save",
    fields: [
      select("method", "pa_method", METHODS.map((method) => [method, t(`pa_${method}`)]), current ? current.method : "iban",
        { id: "pa-method" }),
      // Write-only, like the CNIC: the field starts empty and the page shows only the masked number above.
      input("number", "pa_number", { id: "pa-number", required: true, maxlength: 40, dir: "ltr", autocomplete: "off",
        spellcheck: "false", hint: t("pa_number_hint") }),
      input("account_title", "pa_title", { id: "pa-title", maxlength: 100,
        value: current ? current.account_title : profile.display_name, hint: t("pa_title_hint") }),
    ],
    action: async (data) => {
      const method = text(data, "method");
      const title = text(data, "account_title");
      const account = method === "iban"
        ? { method, iban: text(data, "number"), account_title: title }
        : { method, msisdn: normalisePhone(text(data, "number")) || text(data, "number"), ...(title ? { account_title: title } : {}) };
      // PUT replaces the profile, so the rest of it goes back as it is.
      const body = { display_name: profile.display_name, craft: profile.craft, province: profile.province,
        district: profile.district, phone: profile.phone, bio: profile.bio, bio_ur: profile.bio_ur, payout_account: account };
      const saved = await api("/artisans/me", { method: "PUT", body });
      form.reset();
      form.querySelector("#pa-method").value = saved.payout_account.method;
      form.querySelector("#pa-title").value = saved.payout_account.account_title;
      fill(shown, `${t("pa_current")}: `, el("strong", {}, accountView(saved.payout_account)));
      return t("saved");
    },
  });
  fill(container, el("h2", {}, t("pa_title_heading")), el("p", { class: "muted" }, t("pa_intro")), shown, form);
}

function transfersList(container) {
  return pagedList({ container, listClass: "plain", empty: t("tr_none"),
    render: (item) => el("li", { class: "panel", "data-run-id": item.run_id, "data-status": item.status },
      el("strong", {}, formatMoney(item.amount)), " · ", transferStatus(item.status), " · ", formatDate(item.created_at),
      el("br"), accountView(item.account),
      item.bank_ref ? [" · ", t("tr_bank_ref"), " ", el("span", { dir: "ltr" }, item.bank_ref)] : null),
    fetchPage: (cursor) => api("/artisans/me/payout-transfers", { query: { cursor, limit: 10 } }) });
}

/** The artisan's Payouts tab. */
export async function payoutsTab(container) {
  const account = el("section", { id: "payout-account" });
  const transfers = el("div", { id: "payout-transfers" });
  const ledger = el("section", { id: "payout-ledger" });
  container.replaceChildren(account, el("section", {}, el("h2", {}, t("tr_title")), transfers), ledger);
  const profile = await myProfile();
  accountForm(account, profile);
  await Promise.all([transfersList(transfers), payoutsSection(ledger)]);
}

// --- ops -----------------------------------------------------------------------------------------------

function runSummary(run) {
  return [formatDate(run.created_at), " · ", statusBadge(run.status, t(`run_st_${run.status}`)), " · ",
    t("run_counts", { n: run.artisans, p: run.paid, f: run.failed }), " · ", formatMoney(run.total)];
}

/** "artisan_id,status[,bank_ref]" lines (a header line is skipped) as settlement results; throws on a bad line. */
export function parseResults(csvText) {
  const results = [];
  for (const [index, raw] of csvText.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || (index === 0 && /^artisan_id\s*,/i.test(line))) continue;
    const [artisanId, status, bankRef] = line.split(",").map((cell) => cell.trim().replace(/^"|"$/g, ""));
    if (!artisanId || !["paid", "failed"].includes(status)) throw new Error(t("set_bad_line", { n: index + 1 }));
    results.push({ artisan_id: artisanId, status, ...(bankRef ? { bank_ref: bankRef } : {}) });
  }
  return results;
}

async function openRun(runId, slot, onChanged) {
  const run = await api(`/ops/payout-runs/${encodeURIComponent(runId)}`, { query: { limit: 100 } });
  const status = el("p", { role: "alert", id: "settle-status" });
  const rows = el("ul", { class: "plain", id: "run-transfers" });
  const addRows = (items) => rows.append(...items.map((item) => el("li", { class: "panel", "data-artisan-id": item.artisan_id,
    "data-status": item.status },
    el("strong", {}, formatMoney(item.amount)), " · ", transferStatus(item.status), " · ",
    el("bdi", { dir: "ltr", class: "account-number" }, item.artisan_id), " · ", accountView(item.account),
    item.status === "sent"
      ? el("span", { class: "row" },
        el("label", {}, t("set_outcome"), el("select", { name: "outcome", "data-artisan-id": item.artisan_id },
          ["", "paid", "failed"].map((value) => el("option", { value }, value ? t(`tr_st_${value}`) : "—")))),
        el("label", {}, t("tr_bank_ref"), el("input", { name: "bank_ref", maxlength: 64, dir: "ltr" })))
      : null)));
  addRows(run.items);
  let cursor = run.next_cursor;
  const more = el("button", { type: "button", class: "secondary", hidden: !cursor, onclick: async () => {
    const page = await api(`/ops/payout-runs/${encodeURIComponent(runId)}`, { query: { limit: 100, cursor } });
    addRows(page.items);
    cursor = page.next_cursor;
    more.hidden = !cursor;
  } }, t("more"));
  const post = async (results) => {
    if (!results.length) { say(status, t("set_nothing"), "error"); return; }
    await api(`/ops/payout-runs/${encodeURIComponent(runId)}/settlement`, { method: "POST", body: { results } });
    await openRun(runId, slot, onChanged);
    say(slot.querySelector("#settle-status"), t("set_posted"));
    await onChanged();
  };
  const fromForm = el("button", { type: "button", id: "settle-post", onclick: () => {
    const results = [...rows.querySelectorAll("li")].flatMap((li) => {
      const outcome = li.querySelector("select[name=outcome]");
      if (!outcome || !outcome.value) return [];
      const bankRef = li.querySelector("input[name=bank_ref]").value.trim();
      return [{ artisan_id: outcome.dataset.artisanId, status: outcome.value, ...(bankRef ? { bank_ref: bankRef } : {}) }];
    });
    post(results).catch((error) => say(status, errorText(error), "error"));
  } }, t("set_post"));
  const file = el("input", { type: "file", id: "settle-file", accept: ".csv,text/csv" });
  const fromFile = el("button", { type: "button", id: "settle-upload", onclick: async () => {
    try {
      if (!file.files[0]) { say(status, t("required"), "error"); return; }
      await post(parseResults(await file.files[0].text()));
    } catch (error) {
      say(status, errorText(error), "error");
    }
  } }, t("set_upload"));
  fill(slot, el("div", { class: "stack panel", id: "run-detail", "data-run-id": run.run_id, "data-status": run.status },
    el("h3", {}, t("run_heading", { id: run.run_id })), el("p", { id: "run-summary" }, runSummary(run)),
    run.file_url ? el("a", { id: "run-file", class: "button", href: run.file_url, download: `${run.run_id}.csv` }, t("run_file")) : null,
    rows, more,
    run.status === "running" ? el("p", { class: "muted" }, t("run_running")) : [
      el("h4", {}, t("set_title")), el("p", { class: "muted" }, t("set_intro")), fromForm,
      el("label", { for: "settle-file" }, t("set_file"), file), fromFile],
    status));
}

function runsList(container, slot) {
  const reload = () => runsList(container, slot);
  return pagedList({ container, listClass: "plain", empty: t("run_none"),
    render: (run) => el("li", { class: "panel", "data-run-id": run.run_id, "data-status": run.status }, runSummary(run), " ",
      el("button", { type: "button", class: "link", onclick: () => openRun(run.run_id, slot, reload)
        .catch((error) => say(slot, errorText(error), "error")) }, t("run_open"))),
    fetchPage: (cursor) => api("/ops/payout-runs", { query: { cursor, limit: 10 } }) });
}

/** Ops' Payout runs tab. A start keeps its Idempotency-Key until it succeeds: a retry carries on the same run. */
export async function payoutRunsSection(container) {
  const slot = el("div", { id: "run-slot" });
  const list = el("div", { id: "run-list" });
  let key = null;
  const form = actionForm({
    id: "run-form",
    submitKey: "run_start",
    fields: [input("min_amount", "run_min", { id: "run-min", required: true, inputmode: "decimal", value: "500", dir: "ltr" })],
    action: async (data) => {
      const paisa = rupeesToPaisa(text(data, "min_amount"));
      if (!paisa) throw new Error(t("run_bad_min"));
      key = key || crypto.randomUUID();
      const run = await api("/ops/payout-runs", { method: "POST", headers: { "Idempotency-Key": key },
        body: { min_amount: { amount: paisa, currency: "PKR" } } });
      key = null;
      await runsList(list, slot);
      await openRun(run.run_id, slot, () => runsList(list, slot));
      return t("run_done", { n: run.artisans, total: formatMoney(run.total) });
    },
  });
  // Another minimum is another run: the kept key belongs to the body it was first sent with.
  form.querySelector("#run-min").addEventListener("input", () => { key = null; });
  container.replaceChildren(el("h2", {}, t("run_title")), el("p", { class: "muted" }, t("run_intro")), form, slot,
    el("h3", {}, t("run_past")), list);
  await runsList(list, slot);
}
