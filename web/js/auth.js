// Cognito sign-in with plain fetch (USER_PASSWORD_AUTH, SignUp, ConfirmSignUp, refresh); the session in localStorage.
import { config } from "./api.js";

const KEY = "mip.session";
const SKEW_SECONDS = 60;

export class AuthError extends Error {
  constructor(type, message) {
    super(message);
    this.type = type; // e.g. NotAuthorizedException, UsernameExistsException, UserNotConfirmedException
  }
}

async function cognito(target, payload) {
  const settings = await config();
  const endpoint = settings.cognito_endpoint || `https://cognito-idp.${settings.region}.amazonaws.com/`;
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify({ ClientId: settings.user_pool_client_id, ...payload }),
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

function store(result, previous = {}) {
  const idToken = result.IdToken;
  const payload = claims(idToken);
  const value = {
    idToken,
    refreshToken: result.RefreshToken || previous.refreshToken || null,
    email: payload.email || previous.email || "",
    sub: payload.sub,
    groups: payload["cognito:groups"] || [],
    exp: payload.exp,
  };
  localStorage.setItem(KEY, JSON.stringify(value));
  return value;
}

function stored() {
  try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (error) { return null; }
}

/** The current session, refreshed if its ID token has (nearly) expired; null when signed out. */
export async function session() {
  const current = stored();
  if (!current) return null;
  if (current.exp - SKEW_SECONDS > Date.now() / 1000) return current;
  if (!current.refreshToken) return signOut();
  try {
    const result = await cognito("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: current.refreshToken },
    });
    return store(result.AuthenticationResult, current);
  } catch (error) {
    return signOut();
  }
}

/** The session without a network call (for rendering the header); may be expired. */
export function currentUser() {
  return stored();
}

export async function signIn(email, password) {
  const result = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!result.AuthenticationResult) throw new AuthError(result.ChallengeName || "Challenge", "Another step is needed to sign in.");
  return store(result.AuthenticationResult);
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

export function signOut() {
  localStorage.removeItem(KEY);
  return null;
}

export const hasGroup = (user, group) => Boolean(user && user.groups && user.groups.includes(group));
