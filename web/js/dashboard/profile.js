// The artisan's profile: create or edit; the CNIC is entered, sent once, and never shown back. The same form is the
// seller sign-up ("Sell on Made in Pakistan"): creating a profile makes the caller an artisan.
import { api, ApiError } from "../api.js";
import { categories } from "../catalog.js";
import { categoryName, provinceName, provinceSlugs, statusName, t } from "../i18n.js";
import { normalisePhone } from "../phone.js";
import { el, inLang, statusBadge, fill } from "../ui.js";
import { actionForm, input, select, text } from "./forms.js";

export async function myProfile() {
  try {
    return await api("/artisans/me");
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/**
 * The profile form in `container`. `user` (the session) fills a new profile's phone from a phone sign-in; `onSaved`,
 * when given, runs after each successful save instead of showing the saved form again.
 */
export async function profileSection(container, user = null, { onSaved } = {}) {
  const [profile, crafts] = await Promise.all([myProfile(), categories()]);
  const p = profile || {};
  const form = actionForm({
    id: "profile-form",
    submitKey: "save_profile",
    fields: [
      input("display_name", "display_name", { required: true, maxlength: 80, value: p.display_name || "", autocomplete: "name" }),
      select("craft", "category", crafts.map((c) => [c.slug, categoryName(c)]), p.craft || crafts[0].slug),
      select("province", "province", provinceSlugs.map((slug) => [slug, provinceName(slug)]), p.province || "punjab"),
      input("district", "district", { required: true, maxlength: 60, value: p.district || "" }),
      input("phone", "phone", { required: true, type: "tel", value: p.phone || (user && user.phone) || "", hint: t("phone_hint"), autocomplete: "tel", dir: "ltr" }),
      // Write-only: the field always starts empty and the page never displays a stored CNIC.
      input("cnic", "cnic", { required: !profile, value: "", autocomplete: "off", inputmode: "numeric", pattern: "[0-9]{5}-[0-9]{7}-[0-9]",
        hint: profile ? t("cnic_on_file") : t("cnic_hint"), spellcheck: "false" }),
      input("bio", "bio", { multiline: true, maxlength: 2000, value: p.bio || "", lang: "en", dir: "ltr" }),
      input("bio_ur", "bio_ur", { multiline: true, maxlength: 2000, value: p.bio_ur || "", lang: "ur", dir: "rtl" }),
    ],
    action: async (data) => {
      const body = { display_name: text(data, "display_name"), craft: text(data, "craft"), province: text(data, "province"),
        district: text(data, "district"), phone: normalisePhone(text(data, "phone")) || text(data, "phone"),
        bio: text(data, "bio"), bio_ur: text(data, "bio_ur") };
      if (text(data, "cnic")) body.cnic = text(data, "cnic");
      await api("/artisans/me", { method: "PUT", body });
      if (onSaved) return onSaved();
      await profileSection(container, user);
      container.querySelector("#profile-form-status").textContent = t("saved");
      return null;
    },
  });
  fill(container, 
    el("h2", {}, t("profile_title")),
    profile
      ? el("p", {}, `${t("verification")}: `, statusBadge(profile.verification, statusName(profile.verification)),
        el("span", { id: "verification", hidden: true }, profile.verification),
        profile.verification === "verified" ? [" ", el("a", { href: `/artisan.html?id=${encodeURIComponent(profile.artisan_id)}` }, t("artisan_page"))] : null)
      : el("p", { class: "notice" }, t("profile_first")),
    profile && profile.verification_note ? el("p", {}, `${t("verification_note")}: `, inLang("en", profile.verification_note)) : null,
    profile && profile.suspended ? el("p", { class: "notice danger", id: "suspension-notice", role: "alert" },
      t("suspended_notice", { reason: profile.suspension_reason || "" })) : null,
    form);
}
