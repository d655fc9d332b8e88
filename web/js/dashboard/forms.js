// Form helpers for the dashboard: labelled inputs, selects and a submit wrapper with a live status line.
import { t } from "../i18n.js";
import { el, errorText, say } from "../ui.js";

export function input(name, key, attrs = {}) {
  const id = attrs.id || name;
  const hint = attrs.hint ? el("small", { id: `${id}-hint`, class: "muted" }, attrs.hint) : null;
  const { hint: _ignored, ...rest } = attrs;
  const control = attrs.multiline
    ? el("textarea", { id, name, ...rest, multiline: null, "aria-describedby": hint ? `${id}-hint` : null }, attrs.value || "")
    : el("input", { id, name, ...rest, "aria-describedby": hint ? `${id}-hint` : null });
  if (attrs.multiline) control.value = attrs.value || "";
  return el("label", { for: id }, t(key), control, hint);
}

export function select(name, key, options, value, attrs = {}) {
  const id = attrs.id || name;
  return el("label", { for: id }, t(key), el("select", { id, name, ...attrs },
    options.map(([optionValue, label]) => el("option", { value: optionValue, selected: optionValue === value }, label))));
}

/** A form whose submit runs `action(FormData)` with the button disabled; errors land in its alert line. */
export function actionForm({ id, fields, submitKey, action, className = "stack panel" }) {
  const status = el("p", { role: "alert", id: `${id}-status` });
  const button = el("button", { type: "submit", id: `${id}-submit` }, t(submitKey));
  const form = el("form", { id, class: className }, fields, button, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    say(status, "");
    try {
      const done = await action(new FormData(form), status);
      if (done) say(status, done);
    } catch (error) {
      say(status, errorText(error), "error");
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export const text = (data, name) => String(data.get(name) ?? "").trim();
