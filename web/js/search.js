// The search box in every page's header: suggestions as one types, the full answer on /search.html.
// Kind to slow connections: a request only after 250 ms without typing, the previous one aborted, a few
// suggestions per answer, and each answer remembered for the page's life (backspacing costs nothing).
import { api } from "./api.js";
import { lang, t } from "./i18n.js";
import { el } from "./dom.js";

const DEBOUNCE_MS = 250;
const SUGGESTIONS = 5;
const answers = new Map();

export const searchHref = (q) => `/search.html?q=${encodeURIComponent(q)}`;

/** The header's search form: a combobox whose listbox holds listing suggestions and "see all results". */
export function searchBox() {
  const current = new URLSearchParams(location.search).get("q") || "";
  const input = el("input", { type: "search", id: "search-q", name: "q", value: location.pathname === "/search.html" ? current : "",
    placeholder: t("search_placeholder"), "aria-label": t("search_label"), autocomplete: "off", maxlength: 100,
    role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": "search-suggestions" });
  const list = el("ul", { id: "search-suggestions", role: "listbox", "aria-label": t("search_suggestions"), hidden: true });
  const form = el("form", { class: "search", role: "search", action: "/search.html", onsubmit: (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (q) location.href = searchHref(q);
  } }, input, el("button", { type: "submit", id: "search-go" }, t("search_button")), list);

  let timer = null;
  let inFlight = null;
  let active = -1;
  const options = () => [...list.querySelectorAll('[role="option"]')];

  function unhighlight() {
    options().forEach((option) => option.setAttribute("aria-selected", "false"));
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    unhighlight();
  }

  function highlight(index) {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", all[active].id);
  }

  function show(q, items) {
    const option = (id, href, ...content) => el("li", { role: "option", id, "aria-selected": "false" },
      el("a", { href, tabindex: -1 }, ...content));
    const suggestions = items.map((listing, i) => {
      const urdu = lang() === "ur" && listing.title_ur;
      return option(`search-option-${i}`, `/listing.html?id=${encodeURIComponent(listing.listing_id)}`,
        el("span", { lang: urdu ? "ur" : "en", dir: urdu ? "rtl" : "ltr" }, urdu ? listing.title_ur : listing.title));
    });
    list.replaceChildren(...suggestions, option("search-option-all", searchHref(q), t("search_all", { q })));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  async function suggest() {
    const q = input.value.trim();
    if (!q) { close(); return; }
    if (inFlight) inFlight.abort();
    if (answers.has(q)) { show(q, answers.get(q)); return; }
    const controller = new AbortController();
    inFlight = controller;
    try {
      const page = await api("/search", { auth: false, query: { q, limit: SUGGESTIONS }, signal: controller.signal });
      answers.set(q, page.items);
      if (input.value.trim() === q) show(q, page.items);
    } catch (error) {
      if (!controller.signal.aborted) close();
    } finally {
      if (inFlight === controller) inFlight = null;
    }
  }

  input.addEventListener("input", () => {
    unhighlight();  // typing drops the highlighted suggestion: Enter then searches the text
    clearTimeout(timer);
    timer = setTimeout(suggest, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) suggest(); else highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Escape") close();
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); location.href = options()[active].querySelector("a").href; }
  });
  form.addEventListener("focusout", (event) => { if (!form.contains(event.relatedTarget)) setTimeout(close, 150); });
  return form;
}
