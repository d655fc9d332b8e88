// Sign in, create an account, confirm it with the e-mailed code; then back to where the buyer was.
// `?staff=1` is the staff sign-in: the ops app client, then the 6-digit code from the authenticator app (which any
// account with an authenticator is asked for, in either mode).
import { AuthError, answerChallenge, challengeEnded, confirmSignUp, currentUser, signIn, signUp } from "../auth.js";
import { t } from "../i18n.js";
import { el, frame, param, say } from "../ui.js";

frame("signin");
const content = document.getElementById("content");
const heading = document.getElementById("page-title");
const staff = param("staff") === "1";
// Where staff go when no `next` says otherwise.
const STAFF_HOME = "/dashboard.html#ops";

/**
 * Where to go after signing in: `?next=` if, resolved as the browser will resolve it, it stays on this site; else "/".
 * Its first characters prove nothing: "/\evil.com" (or "/%5Cevil.com") and "/<tab>/evil.com" start with a single "/",
 * yet browsers read the backslash as a slash and drop the tab, and land on evil.com.
 */
function next() {
  const target = param("next");
  if (!target) return staff ? STAFF_HOME : "/";
  let url;
  try {
    url = new URL(target, location.origin);
  } catch (error) {
    return "/";
  }
  if (url.origin !== location.origin || (url.protocol !== "http:" && url.protocol !== "https:")) return staff ? STAFF_HOME : "/";
  return url.pathname + url.search + url.hash;
}

/** This page with the other mode (staff or not), keeping `next`. */
function modeHref(toStaff) {
  const query = new URLSearchParams();
  if (toStaff) query.set("staff", "1");
  if (param("next")) query.set("next", param("next"));
  const search = query.toString();
  return `/signin.html${search ? `?${search}` : ""}`;
}

function authMessage(error) {
  const byType = { NotAuthorizedException: "bad_credentials", UserNotFoundException: "bad_credentials",
    UsernameExistsException: "user_exists", UserNotConfirmedException: "not_confirmed",
    InvalidPasswordException: "weak_password", InvalidParameterException: "weak_password",
    CodeMismatchException: "mfa_mismatch", EnableSoftwareTokenMFAException: "mfa_mismatch",
    MFA_SETUP: "mfa_setup_needed", SMS_MFA: "mfa_setup_needed", StaffSignInUnavailable: "staff_unavailable",
    TooManyRequestsException: "too_many_attempts", LimitExceededException: "too_many_attempts",
    TooManyFailedAttemptsException: "too_many_attempts", PasswordResetRequiredException: "password_reset_needed",
    NEW_PASSWORD_REQUIRED: "password_reset_needed" };
  if (error instanceof AuthError && byType[error.type]) return t(byType[error.type]);
  return error instanceof TypeError ? t("network_error") : (error.message || t("error_generic"));
}

function input(id, key, attrs) {
  return el("label", { for: id }, t(key), el("input", { id, name: id, required: true, ...attrs }));
}

function form(id, fields, submitKey, onSubmit, footer, error = "") {
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
  if (error) say(status, error, "error");
  return node;
}

/** Signs in (or answers the code) and goes on to `next`; a challenge shows the code form. */
async function proceed(email, password) {
  const outcome = await signIn(email, password, { staff });
  if (outcome.challenge) return showCode(outcome.challenge);
  location.assign(next());
}

function showSignIn(email = "", notice = "", error = "") {
  heading.textContent = t(staff ? "staff_signin_title" : "signin_title");
  const footer = staff
    ? el("p", {}, el("a", { href: modeHref(false), id: "to-customer-signin" }, t("not_staff")))
    : [el("p", {}, el("a", { href: "#signup", id: "to-signup", onclick: (event) => { event.preventDefault(); showSignUp(); } }, t("no_account"))),
      el("p", { class: "muted" }, el("a", { href: modeHref(true), id: "to-staff-signin" }, t("staff_signin")))];
  const signin = form("signin-form", [
    input("email", "email", { type: "email", autocomplete: "username", value: email }),
    input("password", "password", { type: "password", autocomplete: "current-password" }),
  ], "sign_in", async (data) => {
    try {
      await proceed(String(data.get("email")).trim(), String(data.get("password")));
    } catch (error) {
      if (error instanceof AuthError && error.type === "UserNotConfirmedException") return showConfirm(String(data.get("email")).trim(), String(data.get("password")));
      throw error;
    }
  }, footer, error);
  if (staff) signin.dataset.staff = "1";
  content.replaceChildren(notice ? el("p", { class: "notice" }, notice) : "",
    staff ? el("p", { class: "muted", id: "staff-intro" }, t("staff_intro")) : "", signin);
  if (error) signin.querySelector(email ? "#password" : "#email").focus();
}

/** Typed digits, Urdu (۰-۹) and Arabic-Indic (٠-٩) ones included, as ASCII; spaces and dashes dropped. */
function digits(text) {
  return String(text).replace(/[\u06F0-\u06F9\u0660-\u0669]/g, (c) => String(c.charCodeAt(0) & 0xF)).replace(/[\s-]/g, "");
}

/** The second step: the 6-digit code from the authenticator app answers Cognito's SOFTWARE_TOKEN_MFA challenge. */
function showCode(challenge) {
  heading.textContent = t("mfa_title");
  const node = form("mfa-form", [
    el("p", { id: "mfa-hint" }, t("mfa_hint")),
    el("label", { for: "mfa-code" }, t("mfa_code"), el("input", { id: "mfa-code", name: "code", type: "text",
      inputmode: "numeric", autocomplete: "one-time-code", maxlength: 9, dir: "ltr", class: "code",
      "aria-describedby": "mfa-hint mfa-form-status" })),
  ], "mfa_submit", async (data) => {
    const field = node.querySelector("#mfa-code");
    const code = digits(data.get("code"));
    if (!/^[0-9]{6}$/.test(code)) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
      throw new AuthError("CodeFormat", t("mfa_format"));
    }
    try {
      await answerChallenge(challenge, code);
    } catch (error) {
      if (challengeEnded(error)) return showSignIn(challenge.email, "", t("mfa_expired"));
      field.setAttribute("aria-invalid", "true");
      field.select();
      throw error;
    }
    field.removeAttribute("aria-invalid");
    location.assign(next());
  }, el("p", {}, el("a", { href: modeHref(staff), id: "mfa-restart", onclick: (event) => { event.preventDefault(); showSignIn(challenge.email); } }, t("start_over"))));
  content.replaceChildren(node);
  node.querySelector("#mfa-code").focus();
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
      await proceed(email, password);
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
      await proceed(email, password);
    } else {
      showSignIn(email);
    }
  }));
}

const user = currentUser();
if (location.hash === "#signup" && !staff) showSignUp();
else showSignIn("", user ? t("signed_in_as", { email: user.email }) : "");
