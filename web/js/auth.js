// Cognito sign-in with plain fetch (USER_PASSWORD_AUTH and its SOFTWARE_TOKEN_MFA challenge, SignUp, ConfirmSignUp,
// ResendConfirmationCode, refresh, RevokeToken); the session in localStorage. Users sign up and in with an e-mail
// address or a mobile number (E.164: pages normalise what people type with phone.js). Two app clients: the storefront's (`user_pool_client_id`) and
// the staff sign-in's (`ops_client_id`, short-lived tokens); a session remembers which one issued it, and refreshes
// and revokes through that one.
import { config } from "./config.js";

const KEY = "mip.session";
const SKEW_SECONDS = 60;
// Signing out waits at most this long for Cognito to revoke the refresh token.
const REVOKE_TIMEOUT_MS = 5000;

export class AuthError extends Error {
  constructor(type, message) {
    super(message);
    this.type = type; // e.g. NotAuthorizedException, UsernameExistsException, UserNotConfirmedException
  }
}

/** A Cognito call through app client `clientId` (default: the storefront's). Rejects with AuthError. */
async function cognito(target, payload, { signal, clientId } = {}) {
  const settings = await config();
  const endpoint = settings.cognito_endpoint || `https://cognito-idp.${settings.region}.amazonaws.com/`;
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify({ ClientId: clientId || settings.user_pool_client_id, ...payload }),
    signal,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const type = String(data.__type || response.headers.get("x-amzn-errortype") || "Error").split("#").pop().split(":")[0];
    throw new AuthError(type, data.message || data.Message || type);
  }
  return data;
}

/** The claims of a JWT (no verification: the API verifies; the page only reads e-mail, groups and expiry). */
export function claims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * Keeps a sign-in's tokens. `previous` carries what a refresh does not return (the refresh token) and what the
 * sign-in knew: `clientId`, the app client that issued the tokens (the ID token's `aud` says the same), and
 * `secondFactor`, whether the user answered an authenticator code.
 */
function store(result, previous = {}) {
  const idToken = result.IdToken;
  const payload = claims(idToken);
  const value = {
    idToken,
    refreshToken: result.RefreshToken || previous.refreshToken || null,
    clientId: previous.clientId || payload.aud || null,
    secondFactor: Boolean(previous.secondFactor),
    email: payload.email || previous.email || "",
    phone: payload.phone_number || previous.phone || "",
    sub: payload.sub,
    groups: payload["cognito:groups"] || [],
    exp: payload.exp,
  };
  localStorage.setItem(KEY, JSON.stringify(value));
  return value;
}

/** The app client that issued a stored session (sessions stored before clients were remembered: the token's `aud`). */
function clientOf(current) {
  if (current.clientId) return current.clientId;
  try { return claims(current.idToken).aud || null; } catch (error) { return null; }
}

function forget() {
  localStorage.removeItem(KEY);
  return null;
}

function stored() {
  try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (error) { return null; }
}

/** New tokens from the refresh token (REFRESH_TOKEN_AUTH): they carry the user's groups as they are now. */
async function refreshed(current) {
  const result = await cognito("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    AuthParameters: { REFRESH_TOKEN: current.refreshToken },
  }, { clientId: clientOf(current) });
  return store(result.AuthenticationResult, { ...current, clientId: clientOf(current) });
}

/** The current session, refreshed if its ID token has (nearly) expired; null when signed out. */
export async function session() {
  const current = stored();
  if (!current) return null;
  if (current.exp - SKEW_SECONDS > Date.now() / 1000) return current;
  if (!current.refreshToken) return forget();
  try {
    return await refreshed(current);
  } catch (error) {
    return forget(); // the refresh token was refused (revoked, expired) or Cognito is unreachable
  }
}

/**
 * Refreshes the session now, whatever its expiry: after the API has added the user to a group (becoming an artisan),
 * the next ID token carries it. Resolves to the new session; rejects with AuthError (the old session is kept).
 */
export async function refreshSession() {
  const current = stored();
  if (!current || !current.refreshToken) throw new AuthError("NotAuthorizedException", "Not signed in.");
  return refreshed(current);
}

/** How the header and notices name the signed-in user: the e-mail address, or the mobile number. */
export const userName = (user) => (user && (user.email || user.phone)) || "";

/** The session without a network call (for rendering the header); may be expired. */
export function currentUser() {
  return stored();
}

/** Asks Cognito to revoke a session's refresh token (best effort, bounded in time); never rejects. */
async function revoke(current) {
  try {
    if (current && current.refreshToken) {
      await cognito("RevokeToken", { Token: current.refreshToken },
        { clientId: clientOf(current), signal: AbortSignal.timeout(REVOKE_TIMEOUT_MS) });
    }
  } catch (error) {
    // Best effort: the refresh token still expires on its own, and this browser forgets it either way.
  }
}

/** Stores a new sign-in; the session it replaces (if any) is revoked, as signing out would. */
async function begin(result, details) {
  const old = stored();
  const value = store(result, details);
  if (old && old.refreshToken && old.refreshToken !== value.refreshToken) await revoke(old);
  return value;
}

/**
 * Signs in with e-mail and password: through the storefront's app client, or with `staff` through the ops client.
 * Resolves to {user} when signed in, or to {challenge} when Cognito asks for the authenticator code (a user with TOTP
 * enrolled, in either mode: pass it to answerChallenge with the code) or for a new password (an artisan imported from
 * a registry signs in first with the temporary password of the welcome SMS: pass it to setNewPassword). Rejects with
 * AuthError; another challenge (MFA_SETUP, SMS_MFA) is an AuthError of that type.
 */
export async function signIn(email, password, { staff = false } = {}) {
  const settings = await config();
  const clientId = staff ? settings.ops_client_id : settings.user_pool_client_id;
  if (!clientId) throw new AuthError("StaffSignInUnavailable", "Staff sign-in is not available.");
  const result = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  }, { clientId });
  if (result.AuthenticationResult) return { user: await begin(result.AuthenticationResult, { clientId, secondFactor: false }) };
  if (result.ChallengeName === "SOFTWARE_TOKEN_MFA" || result.ChallengeName === "NEW_PASSWORD_REQUIRED") {
    const parameters = result.ChallengeParameters || {};
    return { challenge: { name: result.ChallengeName, session: result.Session, clientId, email,
      username: parameters.USER_ID_FOR_SRP || parameters.USERNAME || email } };
  }
  throw new AuthError(result.ChallengeName || "Challenge", "Another step is needed to sign in.");
}

/**
 * Completes a sign-in that Cognito challenged, with the 6-digit code from the authenticator app. Resolves to the
 * session; rejects with AuthError: CodeMismatchException (wrong code: the same challenge may be answered again), or
 * NotAuthorizedException / ExpiredCodeException / ResourceNotFoundException (the challenge has expired or was used up:
 * sign in again; see challengeEnded).
 */
export async function answerChallenge(challenge, code) {
  const result = await cognito("RespondToAuthChallenge", {
    ChallengeName: challenge.name,
    Session: challenge.session,
    ChallengeResponses: { USERNAME: challenge.username, SOFTWARE_TOKEN_MFA_CODE: code },
  }, { clientId: challenge.clientId });
  if (!result.AuthenticationResult) throw new AuthError(result.ChallengeName || "Challenge", "Another step is needed to sign in.");
  return begin(result.AuthenticationResult, { clientId: challenge.clientId, secondFactor: true });
}

/**
 * Answers NEW_PASSWORD_REQUIRED with the password the user chose. Resolves to {user} when signed in, or to {challenge}
 * when Cognito asks for the authenticator code next; rejects with AuthError (InvalidPasswordException: too weak).
 */
export async function setNewPassword(challenge, password) {
  const result = await cognito("RespondToAuthChallenge", {
    ChallengeName: challenge.name,
    Session: challenge.session,
    ChallengeResponses: { USERNAME: challenge.username, NEW_PASSWORD: password },
  }, { clientId: challenge.clientId });
  if (result.AuthenticationResult) {
    return { user: await begin(result.AuthenticationResult, { clientId: challenge.clientId, secondFactor: false }) };
  }
  if (result.ChallengeName === "SOFTWARE_TOKEN_MFA") return { challenge: { ...challenge, name: result.ChallengeName, session: result.Session } };
  throw new AuthError(result.ChallengeName || "Challenge", "Another step is needed to sign in.");
}

/** Whether an AuthError from answerChallenge means the challenge is over and the sign-in must start again. */
export const challengeEnded = (error) => error instanceof AuthError
  && ["NotAuthorizedException", "ExpiredCodeException", "ResourceNotFoundException"].includes(error.type);

/**
 * Whether a session may act as staff: the API grants the ops role only to ID tokens of the ops client whose user has
 * an authenticator (here: who answered its code when signing in). An `ops` member without both sees the ops area
 * explain how to sign in instead.
 */
export async function isStaffSession(user) {
  if (!hasGroup(user, "ops")) return false;
  const settings = await config();
  return Boolean(settings.ops_client_id) && clientOf(user) === settings.ops_client_id && Boolean(user.secondFactor);
}

/**
 * Registers an account under an e-mail address or a mobile number (`name` from phone.js signInName). Resolves to
 * {confirmed, destination}: whether Cognito already considers it confirmed, and where it sent the code (masked).
 */
export async function signUp(name, password) {
  const result = await cognito("SignUp", {
    Username: name.value,
    Password: password,
    UserAttributes: [{ Name: name.kind === "phone" ? "phone_number" : "email", Value: name.value }],
  });
  return { confirmed: Boolean(result.UserConfirmed), destination: (result.CodeDeliveryDetails || {}).Destination || "" };
}

/** Confirms a sign-up with the code Cognito texted or e-mailed. Rejects with AuthError (CodeMismatchException...). */
export async function confirmSignUp(username, code) {
  await cognito("ConfirmSignUp", { Username: username, ConfirmationCode: code });
}

/** Asks Cognito for a new sign-up code (the old one stops working); resolves to where it went (masked). */
export async function resendCode(username) {
  const result = await cognito("ResendConfirmationCode", { Username: username });
  return (result.CodeDeliveryDetails || {}).Destination || "";
}

/**
 * Signs out: Cognito revokes the refresh token through the client that issued it (so a copy of it can no longer mint
 * ID tokens), then the session is forgotten here. It is forgotten even when revocation fails (offline, slow, or an emulator without RevokeToken).
 * Resolves to null.
 */
export async function signOut() {
  await revoke(stored());
  return forget();
}

export const hasGroup = (user, group) => Boolean(user && user.groups && user.groups.includes(group));
