// Operations: the artisan verification queue (approve / reject with a note), the exchange rates, and moderation
// (suspensions, takedowns, the audit log: dashboard/moderation.js).
import { api } from "../api.js";
import { categoryLabel, pagedList } from "../catalog.js";
import { provinceName, t } from "../i18n.js";
import { el, errorText, formatDate, formatDate as when, inLang, say } from "../ui.js";
import { actionForm, input, text } from "./forms.js";
import { moderationSection } from "./moderation.js";

const FX = ["USD", "GBP", "EUR", "AED", "SAR"];

function queueEntry(artisan, craft) {
  const note = el("input", { id: `note-${artisan.artisan_id}`, name: "note", maxlength: 500 });
  const status = el("p", { role: "alert" });
  const decide = (decision) => async (event) => {
    event.currentTarget.disabled = true;
    try {
      const body = { decision };
      if (note.value.trim()) body.note = note.value.trim();
      await api(`/ops/artisans/${encodeURIComponent(artisan.artisan_id)}/verification`, { method: "POST", body });
      entry.replaceChildren(el("p", {}, `${artisan.display_name}: ${t(decision === "verified" ? "st_verified" : "st_rejected")}`));
    } catch (error) {
      say(status, errorText(error), "error");
      event.target.disabled = false;
    }
  };
  const entry = el("li", { class: "panel", "data-artisan-id": artisan.artisan_id },
    el("strong", {}, artisan.display_name), el("p", { class: "muted" },
      `${craft} · ${artisan.district}, ${provinceName(artisan.province)} · ${artisan.phone || ""} · ${formatDate(artisan.created_at)}`),
    artisan.bio ? inLang("en", artisan.bio, "p") : null, artisan.bio_ur ? inLang("ur", artisan.bio_ur, "p") : null,
    el("label", { for: `note-${artisan.artisan_id}` }, t("note"), note),
    el("div", { class: "row" },
      el("button", { type: "button", "data-decision": "verified", "aria-label": `${t("approve")}: ${artisan.display_name}`, onclick: decide("verified") }, t("approve")),
      el("button", { type: "button", class: "danger", "data-decision": "rejected", "aria-label": `${t("reject")}: ${artisan.display_name}`, onclick: decide("rejected") }, t("reject"))),
    status);
  return entry;
}

async function fxForm() {
  const current = await api("/fx-rates", { auth: false });
  return actionForm({
    id: "fx-form",
    submitKey: "save_rates",
    fields: [el("p", { class: "muted", id: "fx-updated" }, current.updated_at ? t("rates_updated", { t: when(current.updated_at) }) : ""),
      FX.map((code) => input(`rate-${code}`, "currency", { value: current.rates[code] || "", inputmode: "decimal",
        pattern: "(0|[1-9][0-9]{0,6})(\\.[0-9]{1,10})?", "aria-label": `1 PKR = ? ${code}` }))],
    action: async (data) => {
      const rates = {};
      for (const code of FX) if (text(data, `rate-${code}`)) rates[code] = text(data, `rate-${code}`);
      await api("/ops/fx-rates", { method: "PUT", body: { rates } });
      return t("saved");
    },
  });
}

export async function opsSection(container) {
  const queue = el("div", { id: "verification-queue" });
  const form = await fxForm();
  // Each rate's label says its currency code (the shared "currency" string alone would not).
  for (const code of FX) form.querySelector(`label[for="rate-${code}"]`).firstChild.textContent = `${code}`;
  const moderation = el("section", { id: "moderation" });
  container.replaceChildren(el("h2", {}, t("ops_queue")), queue, el("h2", {}, t("fx_title")), form, moderation);
  await moderationSection(moderation);
  const crafts = {};
  await pagedList({ container: queue, listClass: "plain", empty: t("no_pending"),
    render: (artisan) => queueEntry(artisan, crafts[artisan.craft] || artisan.craft),
    fetchPage: async (cursor) => {
      const page = await api("/ops/artisans", { query: { verification: "pending", cursor, limit: 20 } });
      for (const artisan of page.items) crafts[artisan.craft] = await categoryLabel(artisan.craft);
      return page;
    } });
}
