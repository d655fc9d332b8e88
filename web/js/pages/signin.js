// Sign in, create an account, confirm it with the e-mailed code; then back to where the buyer was.
import { AuthError, confirmSignUp, currentUser, signIn, signUp } from "../auth.js";
import { t } from "../i18n.js";
import { el, frame, param, say } from "../ui.js";

frame("signin");
const content = document.getElementById("content");
const heading = document.getElementById("page-title");

function next() {
  const target = param("next") || "/";
  return target.startsWith("/") && !target.startsWith("//") ? target : "/";
}

function authMessage(error) {
  const byType = { NotAuthorizedException: "bad_credentials", UserNotFoundException: "bad_credentials",
    UsernameExistsException: "user_exists", UserNotConfirmedException: "not_confirmed",
    InvalidPasswordException: "weak_password", InvalidParameterException: "weak_password" };
  if (error instanceof AuthError && byType[error.type]) return t(byType[error.type]);
  return error instanceof TypeError ? t("network_error") : (error.message || t("error_generic"));
}

function input(id, key, attrs) {
  return el("label", { for: id }, t(key), el("input", { id, name: id, required: true, ...attrs }));
}

function form(id, fields, submitKey, onSubmit, footer) {
  const status = el("p", { role: "alert", id: `${id}-status` });
  const button = el("button", { type: "submit", id: `${id}-submit` }, t(submitKey));
  const node = el("form", { class: "stack panel", id, onsubmit: async (event) => {
    event.preventDefault();
    button.disabled = true;
    say(status, "");
    try {
      await onSubmit(new FormData(node));
    } catch (error) {
      say(status, authMessage(error), "error");
    } finally {
      button.disabled = false;
    }
  } }, fields, button, status, footer);
  return node;
}

function showSignIn(email = "", notice = "") {
  heading.textContent = t("signin_title");
  const signin = form("signin-form", [
    input("email", "email", { type: "email", autocomplete: "username", value: email }),
    input("password", "password", { type: "password", autocomplete: "current-password" }),
  ], "sign_in", async (data) => {
    try {
      await signIn(String(data.get("email")).trim(), String(data.get("password")));
    } catch (error) {
      if (error instanceof AuthError && error.type === "UserNotConfirmedException") return showConfirm(String(data.get("email")).trim(), String(data.get("password")));
      throw error;
    }
    location.assign(next());
  }, el("p", {}, el("a", { href: "#signup", id: "to-signup", onclick: (event) => { event.preventDefault(); showSignUp(); } }, t("no_account"))));
  content.replaceChildren(notice ? el("p", { class: "notice" }, notice) : "", signin);
}

function showSignUp() {
  heading.textContent = t("signup_title");
  content.replaceChildren(form("signup-form", [
    input("email", "email", { type: "email", autocomplete: "email" }),
    input("password", "password", { type: "password", autocomplete: "new-password", minlength: 8, "aria-describedby": "password-hint" }),
    el("small", { id: "password-hint", class: "muted" }, t("password_hint")),
  ], "sign_up", async (data) => {
    const email = String(data.get("email")).trim();
    const password = String(data.get("password"));
    const confirmed = await signUp(email, password);
    if (confirmed) {
      await signIn(email, password);
      location.assign(next());
    } else {
      showConfirm(email, password);
    }
  }, el("p", {}, el("a", { href: "#signin", id: "to-signin", onclick: (event) => { event.preventDefault(); showSignIn(); } }, t("have_account")))));
}

function showConfirm(email, password) {
  heading.textContent = t("confirm_title");
  content.replaceChildren(el("p", {}, t("confirm_hint", { email })), form("confirm-form", [
    input("code", "confirm_code", { inputmode: "numeric", autocomplete: "one-time-code", maxlength: 10 }),
  ], "confirm", async (data) => {
    await confirmSignUp(email, String(data.get("code")).trim());
    if (password) {
      await signIn(email, password);
      location.assign(next());
    } else {
      showSignIn(email);
    }
  }));
}

const user = currentUser();
if (location.hash === "#signup") showSignUp();
else showSignIn("", user ? t("signed_in_as", { email: user.email }) : "");
