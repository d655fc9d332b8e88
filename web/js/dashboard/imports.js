// Operations: import artisans from a registry file. Ops pick a CSV, the API grants an upload (a presigned POST),
// the browser posts the file straight to S3, and the progress bar follows the import until it is done or failed.
import { api } from "../api.js";
import { pagedList } from "../catalog.js";
import { t } from "../i18n.js";
import { el, errorText, formatDate, say } from "../ui.js";

const POLL_MS = 1000;
const MAX_BYTES = 52428800;

function counts(item) {
  return t("imp_counts", { p: item.processed, n: item.total, c: item.created, d: item.duplicates, r: item.rejected });
}

/** The bar, the counts, the status and (once done) the error report's link, redrawn from one GET. */
function progressView(item) {
  const percent = item.total ? Math.round((100 * item.processed) / item.total) : (item.status === "done" ? 100 : 0);
  return el("div", { class: "stack panel", id: "import-progress", "data-import-id": item.import_id, "data-status": item.status },
    el("p", {}, el("strong", {}, t(`imp_st_${item.status}`)), " · ", el("span", { id: "import-counts" }, counts(item))),
    el("progress", { id: "import-bar", max: 100, value: percent, "aria-label": t("imp_progress") }, `${percent}%`),
    el("p", { id: "import-percent" }, `${percent}%`),
    item.failure_reason ? el("p", { class: "error", role: "alert" }, item.failure_reason) : null,
    item.errors_url ? el("a", { id: "import-errors", href: item.errors_url, download: `${item.import_id}-errors.csv` },
      t("imp_errors")) : null);
}

/** Poll the import into `slot` until it is done or failed, or until the screen is left (the slot is gone). */
async function follow(importId, slot) {
  for (;;) {
    const item = await api(`/ops/artisan-imports/${encodeURIComponent(importId)}`);
    if (!slot.isConnected) return item;
    slot.replaceChildren(progressView(item));
    if (item.status === "done" || item.status === "failed") return item;
    await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
  }
}

async function upload(file, status, slot, onFinished) {
  if (!file) { say(status, t("required"), "error"); return; }
  if (file.size < 1 || file.size > MAX_BYTES) { say(status, t("imp_too_big"), "error"); return; }
  const created = await api("/ops/artisan-imports", { method: "POST", body: { size_bytes: file.size } });
  const form = new FormData();
  for (const [name, value] of Object.entries(created.upload.fields)) form.append(name, value);
  form.append("file", file);
  say(status, t("imp_uploading"));
  const posted = await fetch(created.upload.url, { method: "POST", body: form });
  if (!posted.ok) throw new Error(t("imp_upload_failed"));
  say(status, t("imp_uploaded"));
  await follow(created.import_id, slot);
  await onFinished();
}

function pastImports(container, slot, status) {
  const open = (importId) => () => follow(importId, slot).catch((error) => say(status, errorText(error), "error"));
  return pagedList({ container, listClass: "plain", empty: t("imp_none"),
    render: (item) => el("li", { class: "panel", "data-import-id": item.import_id },
      el("strong", {}, formatDate(item.created_at)), " · ", t(`imp_st_${item.status}`), " · ", counts(item),
      " ", el("button", { type: "button", class: "link", onclick: open(item.import_id) }, t("imp_open"))),
    fetchPage: (cursor) => api("/ops/artisan-imports", { query: { cursor, limit: 10 } }) });
}

export async function importsSection(container) {
  const file = el("input", { type: "file", id: "import-file", accept: ".csv,text/csv" });
  const status = el("p", { role: "status", id: "import-status" });
  const slot = el("div", { id: "import-slot" });
  const past = el("div", { id: "import-list" });
  const start = el("button", { type: "button", id: "import-start", onclick: async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await upload(file.files[0], status, slot, () => pastImports(past, slot, status));
    } catch (error) {
      say(status, errorText(error), "error");
    } finally {
      button.disabled = false;
    }
  } }, t("imp_start"));
  container.replaceChildren(el("h2", {}, t("imp_title")), el("p", { class: "muted" }, t("imp_format")),
    el("label", { for: "import-file" }, t("imp_file"), file), start, status, slot,
    el("h3", {}, t("imp_past")), past);
  await pastImports(past, slot, status);
}
