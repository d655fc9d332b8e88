// Sign in, create an account with an e-mail address or a mobile number, confirm it with the code Cognito texted or
// e-mailed (or a new one); then back to where the buyer was.
// `?staff=1` is the staff sign-in: the ops app client, then the 6-digit code from the authenticator app (which any
// account with an authenticator is asked for, in either mode).
import { AuthError, answerChallenge, challengeEnded, confirmSignUp, currentUser, resendCode, setNewPassword, signIn, signUp, userName } from "../auth.js";
import { t } from "../i18n.js";
import { asciiDigits, signInName } from "../phone.js";
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
    SignInName: "bad_sign_in_name", SignUpCodeMismatch: "code_mismatch",
    SignUpCodeExpired: "code_expired" };
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

/** Signs in and goes on to `next`; a challenge shows its form (the authenticator code, or a new password). */
async function proceed(username, password) {
  const outcome = await signIn(username, password, { staff });
  if (outcome.challenge) return showChallenge(outcome.challenge);
  location.assign(next());
}

function showChallenge(challenge) {
  return challenge.name === "NEW_PASSWORD_REQUIRED" ? showNewPassword(challenge) : showCode(challenge);
}

/** A first sign-in with the temporary password of the welcome SMS: the user chooses their own. */
function showNewPassword(challenge) {
  heading.textContent = t("new_password_title");
  const node = form("new-password-form", [
    el("p", { id: "new-password-hint" }, t("new_password_hint")),
    input("new-password", "new_password", { type: "password", autocomplete: "new-password", minlength: 8,
      "aria-describedby": "new-password-hint password-hint" }),
    el("small", { id: "password-hint", class: "muted" }, t("password_hint")),
  ], "new_password_submit", async (data) => {
    let outcome;
    try {
      outcome = await setNewPassword(challenge, String(data.get("new-password")));
    } catch (error) {
      if (challengeEnded(error)) return showSignIn(challenge.email, "", t("mfa_expired"));
      throw error;
    }
    if (outcome.challenge) return showCode(outcome.challenge);
    location.assign(next());
  }, el("p", {}, el("a", { href: modeHref(staff), id: "new-password-restart", onclick: (event) => { event.preventDefault(); showSignIn(challenge.email); } }, t("start_over"))));
  content.replaceChildren(node);
  node.querySelector("#new-password").focus();
}

/** The e-mail address or E.164 mobile number in the form's sign-in name field; an AuthError (shown) if it is neither. */
function nameIn(data, form) {
  const field = form.querySelector("#email");
  const name = signInName(data.get("email"));
  if (!name) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
    throw new AuthError("SignInName", t("bad_sign_in_name"));
  }
  field.removeAttribute("aria-invalid");
  return name;
}

/** The sign-in name field: e-mail or mobile number (staff sign in with their e-mail address). */
function nameInput(value, autocomplete) {
  if (staff) return input("email", "email", { type: "email", autocomplete, value });
  return el("label", { for: "email" }, t("sign_in_name"), el("input", { id: "email", name: "email", required: true, type: "text",
    inputmode: "email", autocomplete, value, dir: "ltr", spellcheck: "false", "aria-describedby": "email-hint" }),
  el("small", { id: "email-hint", class: "muted" }, t("sign_in_name_hint")));
}

function showSignIn(email = "", notice = "", error = "") {
  heading.textContent = t(staff ? "staff_signin_title" : "signin_title");
  const footer = staff
    ? el("p", {}, el("a", { href: modeHref(false), id: "to-customer-signin" }, t("not_staff")))
    : [el("p", {}, el("a", { href: "#signup", id: "to-signup", onclick: (event) => { event.preventDefault(); showSignUp(); } }, t("no_account"))),
      el("p", { class: "muted" }, el("a", { href: modeHref(true), id: "to-staff-signin" }, t("staff_signin")))];
  const signin = form("signin-form", [
    nameInput(email, "username"),
    input("password", "password", { type: "password", autocomplete: "current-password" }),
  ], "sign_in", async (data) => {
    const username = staff ? String(data.get("email")).trim() : nameIn(data, signin).value;
    try {
      await proceed(username, String(data.get("password")));
    } catch (error) {
      if (error instanceof AuthError && error.type === "UserNotConfirmedException") return showConfirm(username, String(data.get("password")), username);
      throw error;
    }
  }, footer, error);
  if (staff) signin.dataset.staff = "1";
  content.replaceChildren(notice ? el("p", { class: "notice" }, notice) : "",
    staff ? el("p", { class: "muted", id: "staff-intro" }, t("staff_intro")) : "", signin);
  if (error) signin.querySelector(email ? "#password" : "#email").focus();
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
    const code = asciiDigits(data.get("code"));
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
  const signup = form("signup-form", [
    nameInput("", "username"),
    input("password", "password", { type: "password", autocomplete: "new-password", minlength: 8, "aria-describedby": "password-hint" }),
    el("small", { id: "password-hint", class: "muted" }, t("password_hint")),
  ], "sign_up", async (data) => {
    const name = nameIn(data, signup);
    const password = String(data.get("password"));
    const { confirmed, destination } = await signUp(name, password);
    if (confirmed) {
      await proceed(name.value, password);
    } else {
      showConfirm(name.value, password, destination || name.value);
    }
  }, el("p", {}, el("a", { href: "#signin", id: "to-signin", onclick: (event) => { event.preventDefault(); showSignIn(); } }, t("have_account"))));
  content.replaceChildren(signup);
}

/** The sign-up's second step: the code sent to `destination` (masked by Cognito), or a new one. */
function showConfirm(username, password, destination) {
  heading.textContent = t("confirm_title");
  const hint = el("p", { id: "confirm-hint" }, t("confirm_hint", { email: destination }));
  const node = form("confirm-form", [
    el("label", { for: "code" }, t("confirm_code"), el("input", { id: "code", name: "code", required: true, type: "text",
      inputmode: "numeric", autocomplete: "one-time-code", maxlength: 10, dir: "ltr", class: "code", "aria-describedby": "confirm-hint" })),
  ], "confirm", async (data) => {
    const field = node.querySelector("#code");
    try {
      await confirmSignUp(username, asciiDigits(data.get("code")));
    } catch (error) {
      field.setAttribute("aria-invalid", "true");
      field.select();
      const kind = error instanceof AuthError && { CodeMismatchException: "SignUpCodeMismatch", ExpiredCodeException: "SignUpCodeExpired" }[error.type];
      throw kind ? new AuthError(kind, error.message) : error;
    }
    if (password) {
      await proceed(username, password);
    } else {
      showSignIn(username);
    }
  }, el("p", {}, el("button", { type: "button", class: "secondary", id: "resend-code", onclick: async (event) => {
    const button = event.currentTarget;
    const status = node.querySelector("#confirm-form-status");
    button.disabled = true;
    try {
      const sentTo = await resendCode(username);
      say(status, t("code_resent", { email: sentTo || destination }));
    } catch (error) {
      say(status, authMessage(error), "error");
    } finally {
      button.disabled = false;
    }
  } }, t("resend_code"))));
  content.replaceChildren(hint, node);
  node.querySelector("#code").focus();
}

const user = currentUser();
if (location.hash === "#signup" && !staff) showSignUp();
else showSignIn("", user ? t("signed_in_as", { email: userName(user) }) : "");
