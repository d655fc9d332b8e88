// The artisan dashboard (profile, listings, orders, payouts) and, for ops, the operations view; one tab at a time.
// The operations view needs a staff session (ops client, authenticator code); other ops members are told how to get one.
// Anyone else signed in sees the seller sign-up ("Sell on Made in Pakistan", #sell): the profile form; saving it makes
// them an artisan (the API adds the group), and a token refresh brings the group into the session, with no sign-out.
import { hasGroup, isStaffSession, refreshSession, session } from "../auth.js";
import { t } from "../i18n.js";
import { listingsSection } from "../dashboard/listings.js";
import { importsSection } from "../dashboard/imports.js";
import { opsSection } from "../dashboard/ops.js";
import { queuesSection } from "../dashboard/queues.js";
import { ordersSection } from "../dashboard/orders.js";
import { payoutRunsSection, payoutsTab } from "../dashboard/payouts.js";
import { statementsSection } from "../dashboard/statements.js";
import { notificationLogSection, notificationSettingsSection } from "../dashboard/notifications.js";
import { myProfile, profileSection } from "../dashboard/profile.js";
import { el, errorText, frame, refreshCartBadge, say } from "../ui.js";

frame("dashboard");
document.title = `${t("dash_title")} – ${t("brand")}`;
const content = document.getElementById("content");
const message = document.getElementById("message");
const heading = document.getElementById("page-title");

const SECTIONS = {
  profile: { key: "tab_profile", group: "artisans", render: profileSection },
  listings: { key: "tab_listings", group: "artisans", render: listingsSection },
  orders: { key: "tab_orders", group: "artisans", render: ordersSection },
  payouts: { key: "tab_payouts", group: "artisans", render: payoutsTab },
  statements: { key: "tab_statements", group: "artisans", render: statementsSection },
  notify: { key: "tab_notify", group: "artisans", render: notificationSettingsSection },
  ops: { key: "tab_ops", group: "ops", render: staffOnly(opsSection) },
  imports: { key: "tab_imports", group: "ops", render: staffOnly(importsSection) },
  queues: { key: "tab_queues", group: "ops", render: staffOnly(queuesSection) },
  payout_runs: { key: "tab_payout_runs", group: "ops", render: staffOnly(payoutRunsSection) },
  notify_log: { key: "tab_notify_log", group: "ops", render: staffOnly(notificationLogSection) },
};

const STAFF_SIGNIN = `/signin.html?staff=1&next=${encodeURIComponent("/dashboard.html#ops")}`;

const staffLink = () => el("a", { href: STAFF_SIGNIN, id: "to-staff-signin" }, t("staff_signin"));

/** `render` for a staff session; for anyone else in `ops`, the sentence saying how to sign in as staff. */
function staffOnly(render) {
  return async (panel, user) => {
    if (await isStaffSession(user)) return render(panel);
    panel.replaceChildren(el("p", { class: "notice", id: "ops-needs-staff" }, t("ops_needs_staff"), " ", staffLink()));
  };
}

/**
 * The session with a token that carries the artisans group, refreshed now (the API added the group when the profile
 * was created); null if the refreshed token still lacks it, or the refresh failed.
 */
async function artisanSession() {
  try {
    const fresh = await refreshSession();
    if (!hasGroup(fresh, "artisans")) return null;
    refreshCartBadge(); // the header offers the dashboard instead of "Sell"
    return fresh;
  } catch (error) {
    return null;
  }
}

/** The seller sign-up: the profile form; once saved, the refreshed session opens the dashboard. */
async function showSell(user, notice = "") {
  heading.textContent = t("sell_title");
  const panel = el("section", { id: "panel", "aria-live": "polite" }, el("p", { class: "muted" }, t("loading")));
  content.replaceChildren(notice ? el("p", { class: "error", role: "alert", id: "sell-notice" }, notice) : "",
    el("p", { id: "sell-intro" }, t("sell_intro")), panel,
    el("p", { class: "muted" }, t("dash_staff"), " ", staffLink()));
  await profileSection(panel, user, { onSaved: async () => {
    if (!(await artisanSession())) return showSell(user, t("sell_refresh_failed"));
    say(message, t("sell_welcome"));
    if (location.hash === "#profile") return start();
    location.hash = "#profile"; // hashchange renders the dashboard
    return null;
  } });
}

async function start() {
  let user = await session();
  heading.textContent = t("dash_title");
  if (!user) {
    content.replaceChildren(el("p", {}, t("dash_need_signin"), " ",
      el("a", { class: "button", href: `/signin.html?next=${encodeURIComponent("/dashboard.html")}` }, t("nav_signin"))),
    el("p", { class: "muted" }, t("dash_staff"), " ", staffLink()));
    return;
  }
  if (!hasGroup(user, "artisans")) {
    // A profile without the group in the token: created from another tab or device, or before a failed refresh. If
    // even a fresh token lacks the group (its addition failed), saving the form again adds it.
    if (await myProfile()) user = (await artisanSession()) || user;
    if (!hasGroup(user, "artisans") && (!hasGroup(user, "ops") || location.hash === "#sell")) return showSell(user);
  }
  const allowed = Object.entries(SECTIONS).filter(([, section]) => hasGroup(user, section.group));
  const wanted = location.hash.slice(1);
  const [current, section] = allowed.find(([name]) => name === wanted) || allowed[0];
  const tabs = el("nav", { class: "tabs", "aria-label": t("dash_title") }, allowed.map(([name, s]) =>
    el("a", { href: `#${name}`, id: `tab-${name}`, "aria-current": name === current ? "page" : null }, t(s.key))));
  const panel = el("section", { id: "panel", "aria-live": "polite" }, el("p", { class: "muted" }, t("loading")));
  content.replaceChildren(tabs, panel);
  await section.render(panel, user);
}

window.addEventListener("hashchange", () => start().catch((error) => say(message, errorText(error), "error")));
start().catch((error) => say(message, errorText(error), "error"));
