// Operations: suspend or lift an artisan, take a listing down or reinstate it, and read the audit log.
import { api } from "../api.js";
import { pagedList } from "../catalog.js";
import { statusName, t } from "../i18n.js";
import { el, errorText, formatDate, say } from "../ui.js";

const path = (...parts) => parts.map(encodeURIComponent).join("/");

/** An id field, a reason field and two buttons, each calling `act(id, reason)`; answers land in the status line. */
function decisionForm({ id, idKey, actions }) {
  const target = el("input", { id: `${id}-target`, name: "target", required: true, autocomplete: "off", spellcheck: "false" });
  const reason = el("input", { id: `${id}-reason`, name: "reason", maxlength: 500 });
  const status = el("p", { role: "alert", id: `${id}-status` });
  const buttons = actions.map(({ key, danger, needsReason, act }) => el("button", {
    type: "button", id: `${id}-${key}`, class: danger ? "danger" : null,
    onclick: async (event) => {
      const button = event.currentTarget;
      if (!target.value.trim() || (needsReason && !reason.value.trim())) { say(status, t("required"), "error"); return; }
      button.disabled = true;
      try {
        say(status, await act(target.value.trim(), reason.value.trim()));
      } catch (error) {
        say(status, errorText(error), "error");
      } finally {
        button.disabled = false;
      }
    } }, t(key)));
  return el("div", { class: "stack panel", id },
    el("label", { for: `${id}-target` }, t(idKey), target),
    el("label", { for: `${id}-reason` }, t("mod_reason"), reason),
    el("div", { class: "row" }, buttons), status);
}

const artisanForm = () => decisionForm({ id: "suspension-form", idKey: "mod_artisan", actions: [
  { key: "suspend", danger: true, needsReason: true, act: async (artisanId, reason) => {
    const artisan = await api(`/ops/artisans/${path(artisanId)}/suspension`, { method: "POST", body: { reason } });
    return t("mod_suspended", { name: artisan.display_name });
  } },
  { key: "lift_suspension", act: async (artisanId) => {
    const artisan = await api(`/ops/artisans/${path(artisanId)}/suspension`, { method: "DELETE" });
    return t("mod_lifted", { name: artisan.display_name });
  } },
] });

const listingForm = () => decisionForm({ id: "takedown-form", idKey: "mod_listing", actions: [
  { key: "take_down", danger: true, needsReason: true, act: async (listingId, reason) => {
    const listing = await api(`/ops/listings/${path(listingId)}/takedown`, { method: "POST", body: { reason } });
    return `${t("mod_taken_down", { id: listing.listing_id })} (${statusName(listing.status)})`;
  } },
  { key: "reinstate", act: async (listingId) => {
    const listing = await api(`/ops/listings/${path(listingId)}/reinstatement`, { method: "POST" });
    return t("mod_reinstated", { id: listing.listing_id });
  } },
] });

function auditEntry(entry) {
  const details = Object.entries(entry.details || {}).map(([name, value]) =>
    `${name}: ${typeof value === "object" ? JSON.stringify(value) : value}`).join(" · ");
  return el("li", { class: "panel audit-entry", "data-action": entry.action, "data-target-id": entry.target_id },
    el("strong", {}, entry.action), el("p", { class: "muted" }, `${formatDate(entry.at)} · ${entry.target_id} · ${entry.actor_id}`),
    details ? el("p", {}, details) : null);
}

function auditPanel() {
  const filter = el("select", { id: "audit-filter", name: "filter" },
    [["", "audit_all"], ["target_id", "audit_by_target"], ["actor_id", "audit_by_actor"]].map(([value, key]) =>
      el("option", { value }, t(key))));
  const value = el("input", { id: "audit-value", name: "value", autocomplete: "off", spellcheck: "false" });
  const list = el("div", { id: "audit-log" });
  const show = async () => {
    const query = { limit: 20 };
    if (filter.value && value.value.trim()) query[filter.value] = value.value.trim();
    await pagedList({ container: list, listClass: "plain", empty: t("no_audit"), render: auditEntry,
      fetchPage: (cursor) => api("/ops/audit", { query: { ...query, cursor } }) });
  };
  const form = el("form", { class: "stack panel", id: "audit-form" },
    el("label", { for: "audit-filter" }, t("audit_filter"), filter),
    el("label", { for: "audit-value" }, t("audit_value"), value),
    el("button", { type: "submit", id: "audit-show" }, t("audit_show")));
  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  return { nodes: [form, list], show };
}

export async function moderationSection(container) {
  const audit = auditPanel();
  container.replaceChildren(el("h2", {}, t("mod_title")), artisanForm(), listingForm(),
    el("h2", {}, t("audit_title")), ...audit.nodes);
  await audit.show();
}
