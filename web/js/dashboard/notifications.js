// How I am told (GET/PUT /me/notification-settings: SMS, e-mail, language), for any signed-in user, and for ops the
// delivery log of one phone number or e-mail address (GET /ops/notifications?recipient=), newest first.
import { api } from "../api.js";
import { pagedList } from "../catalog.js";
import { t } from "../i18n.js";
import { el, errorText, formatDate, inLang, say } from "../ui.js";

/** The settings form: two channels and the language messages come in. */
export async function notificationSettingsSection(container) {
  const status = el("p", { role: "status", "aria-live": "polite", id: "notify-status" });
  container.replaceChildren(el("h2", {}, t("notify_title")), el("p", { class: "muted" }, t("notify_intro")), status);
  let current;
  try {
    current = await api("/me/notification-settings");
  } catch (error) {
    say(status, errorText(error), "error");
    return;
  }
  const box = (name) => el("input", { type: "checkbox", id: `notify-${name}`, name, checked: current[name] || null });
  const sms = box("sms");
  const email = box("email");
  const language = el("select", { id: "notify-language", name: "language" },
    ["ur", "en"].map((code) => el("option", { value: code, selected: current.language === code ? "" : null },
      t(`notify_lang_${code}`))));
  const save = el("button", { type: "submit", id: "notify-save" }, t("notify_save"));
  const form = el("form", { id: "notify-form", class: "panel" },
    el("label", { class: "inline", for: "notify-sms" }, sms, " ", t("notify_sms")),
    el("label", { class: "inline", for: "notify-email" }, email, " ", t("notify_email")),
    el("label", { for: "notify-language" }, t("notify_language"), language),
    el("p", { class: "muted" }, t("notify_quiet")), save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      current = await api("/me/notification-settings", { method: "PUT",
        body: { sms: sms.checked, email: email.checked, language: language.value } });
      say(status, t("notify_saved"));
    } catch (error) {
      say(status, errorText(error), "error");
    } finally {
      save.disabled = false;
    }
  });
  container.insertBefore(form, status);
}

function deliveryRow(item) {
  return el("li", { class: "panel", "data-notification-id": item.notification_id },
    el("p", {}, el("strong", {}, t(`notify_event_${item.event.replace(".", "_")}`)), " · ",
      t(`notify_ch_${item.channel}`), " · ", el("span", { class: `status status-${item.status}` },
        t(`notify_st_${item.status}`)), el("span", { class: "muted" }, ` · ${formatDate(item.created_at)}`)),
    item.subject ? inLang(item.language, item.subject, "p", { class: "subject" }) : null,
    inLang(item.language, item.body, "p", { class: "body" }));
}

/** Ops: what was sent (or held, refused, turned off) to one phone number or e-mail address. */
export async function notificationLogSection(container) {
  const recipient = el("input", { id: "log-recipient", name: "recipient", required: true, maxlength: 320,
    dir: "ltr", placeholder: "+923001234567", autocomplete: "off" });
  const list = el("div", { id: "log-list" });
  const form = el("form", { id: "log-form", class: "row" },
    el("label", { for: "log-recipient" }, t("notify_log_recipient"), recipient),
    el("button", { type: "submit" }, t("notify_log_show")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await pagedList({ container: list, listClass: "plain", empty: t("notify_log_empty"), render: deliveryRow,
      fetchPage: (cursor) => api("/ops/notifications", { query: { recipient: recipient.value.trim(), cursor, limit: 20 } }) });
  });
  container.replaceChildren(el("h2", {}, t("tab_notify_log")), form, list);
}
