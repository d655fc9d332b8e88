// The marketplace API: where it is (/env.json, else this host on port 8000), and JSON calls with errors as ApiError.
import { session } from "./auth.js";

let apiBase = null;
let clientConfig = null;

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
  }
}

/** The API's base URL: /env.json {"api_url"} (written at deploy time, or served by the local stack). */
export async function apiUrl() {
  if (apiBase) return apiBase;
  try {
    const response = await fetch("/env.json", { cache: "no-store" });
    if (response.ok) {
      const env = await response.json();
      if (env && typeof env.api_url === "string" && env.api_url) apiBase = env.api_url.replace(/\/+$/, "");
    }
  } catch (error) {
    // No env.json: fall through to the convention below.
  }
  if (!apiBase) apiBase = `${location.protocol}//${location.hostname}:8000`;
  return apiBase;
}

/** GET /config, once per page: how to sign in, the currencies, the image size limit. */
export async function config() {
  if (!clientConfig) clientConfig = await api("/config", { auth: false });
  return clientConfig;
}

/**
 * Calls the API. `body` is sent as JSON; `auth` (default true) adds the signed-in user's ID token if there is one.
 * Resolves to {data, headers} when `raw` is set, else to the parsed body; rejects with ApiError.
 */
export async function api(path, { method = "GET", body, headers = {}, auth = true, query, raw = false } = {}) {
  const base = await apiUrl();
  const url = new URL(base + path);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const sent = { ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (auth) {
    const current = await session();
    if (current) sent.Authorization = `Bearer ${current.idToken}`;
  }
  let response;
  try {
    response = await fetch(url, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, "NETWORK", error.message);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (error) { data = null; }
  }
  if (!response.ok) {
    const problem = (data && data.error) || {};
    throw new ApiError(response.status, problem.code || `HTTP_${response.status}`, problem.message || response.statusText, problem.details);
  }
  return raw ? { data, headers: response.headers } : data;
}
