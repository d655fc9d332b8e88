// The artisan dashboard (profile, listings, orders, payouts) and, for ops, the operations view; one tab at a time.
// The operations view needs a staff session (ops client, authenticator code); other ops members are told how to get one.
import { hasGroup, isStaffSession, session } from "../auth.js";
import { t } from "../i18n.js";
import { listingsSection } from "../dashboard/listings.js";
import { opsSection } from "../dashboard/ops.js";
import { ordersSection, payoutsSection } from "../dashboard/orders.js";
import { profileSection } from "../dashboard/profile.js";
import { el, errorText, frame, say } from "../ui.js";

frame("dashboard");
document.title = `${t("dash_title")} – ${t("brand")}`;
const content = document.getElementById("content");
const message = document.getElementById("message");

const SECTIONS = {
  profile: { key: "tab_profile", group: "artisans", render: profileSection },
  listings: { key: "tab_listings", group: "artisans", render: listingsSection },
  orders: { key: "tab_orders", group: "artisans", render: ordersSection },
  payouts: { key: "tab_payouts", group: "artisans", render: payoutsSection },
  ops: { key: "tab_ops", group: "ops", render: staffOnly(opsSection) },
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

async function start() {
  const user = await session();
  if (!user) {
    content.replaceChildren(el("p", {}, t("dash_need_signin"), " ",
      el("a", { class: "button", href: `/signin.html?next=${encodeURIComponent("/dashboard.html")}` }, t("nav_signin"))),
    el("p", { class: "muted" }, t("dash_staff"), " ", staffLink()));
    return;
  }
  const allowed = Object.entries(SECTIONS).filter(([, section]) => hasGroup(user, section.group));
  if (!allowed.length) {
    content.replaceChildren(el("p", { class: "notice" }, t("dash_not_artisan")),
      el("p", { class: "muted" }, t("dash_staff"), " ", staffLink()));
    return;
  }
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
