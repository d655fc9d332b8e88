// The artisan dashboard (profile, listings, orders, payouts) and, for ops, the operations view; one tab at a time.
import { session, hasGroup } from "../auth.js";
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
  ops: { key: "tab_ops", group: "ops", render: opsSection },
};

async function start() {
  const user = await session();
  if (!user) {
    content.replaceChildren(el("p", {}, t("dash_need_signin"), " ",
      el("a", { class: "button", href: `/signin.html?next=${encodeURIComponent("/dashboard.html")}` }, t("nav_signin"))));
    return;
  }
  const allowed = Object.entries(SECTIONS).filter(([, section]) => hasGroup(user, section.group));
  if (!allowed.length) {
    content.replaceChildren(el("p", { class: "notice" }, t("dash_not_artisan")));
    return;
  }
  const wanted = location.hash.slice(1);
  const [current, section] = allowed.find(([name]) => name === wanted) || allowed[0];
  const tabs = el("nav", { class: "tabs", "aria-label": t("dash_title") }, allowed.map(([name, s]) =>
    el("a", { href: `#${name}`, id: `tab-${name}`, "aria-current": name === current ? "page" : null }, t(s.key))));
  const panel = el("section", { id: "panel", "aria-live": "polite" }, el("p", { class: "muted" }, t("loading")));
  content.replaceChildren(tabs, panel);
  await section.render(panel);
}

window.addEventListener("hashchange", () => start().catch((error) => say(message, errorText(error), "error")));
start().catch((error) => say(message, errorText(error), "error"));
