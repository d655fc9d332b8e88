// Cognito sign-in with plain fetch (USER_PASSWORD_AUTH and its SOFTWARE_TOKEN_MFA challenge, SignUp, ConfirmSignUp,
// refresh, RevokeToken); the session in localStorage. Two app clients: the storefront's (`user_pool_client_id`) and
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

/** The current session, refreshed if its ID token has (nearly) expired; null when signed out. */
export async function session() {
  const current = stored();
  if (!current) return null;
  if (current.exp - SKEW_SECONDS > Date.now() / 1000) return current;
  if (!current.refreshToken) return forget();
  try {
    const result = await cognito("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: current.refreshToken },
    }, { clientId: clientOf(current) });
    return store(result.AuthenticationResult, { ...current, clientId: clientOf(current) });
  } catch (error) {
    return forget(); // the refresh token was refused (revoked, expired) or Cognito is unreachable
  }
}

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
 * enrolled, in either mode): pass it to answerChallenge with the code. Rejects with AuthError; another challenge
 * (MFA_SETUP, SMS_MFA, NEW_PASSWORD_REQUIRED) is an AuthError of that type.
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
  if (result.ChallengeName === "SOFTWARE_TOKEN_MFA") {
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

/** Registers an account; returns whether Cognito already considers it confirmed. */
export async function signUp(email, password) {
  const result = await cognito("SignUp", {
    Username: email,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
  });
  return Boolean(result.UserConfirmed);
}

export async function confirmSignUp(email, code) {
  await cognito("ConfirmSignUp", { Username: email, ConfirmationCode: code });
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
