// Where the API is (/env.json, else this host on port 8000) and its client settings (GET /config, once per page).
// Imports neither api.js nor auth.js: both read it, and auth.js must not depend on api.js, which depends on auth.js.
import { fetchJson } from "./http.js";

let apiBase = null;
let clientConfig = null;

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

/** GET /config, once per page: how to sign in, the currencies, the image size limit. Rejects with ApiError. */
export async function config() {
  if (!clientConfig) clientConfig = await fetchJson(new URL(`${await apiUrl()}/config`), { method: "GET", headers: {} });
  return clientConfig;
}
