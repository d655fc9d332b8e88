// The marketplace API: JSON calls with the signed-in user's token, errors as ApiError. Where it is: config.js.
import { session } from "./auth.js";
import { apiUrl } from "./config.js";
import { ApiError, fetchJson } from "./http.js";

export { ApiError };

/**
 * Calls the API. `body` is sent as JSON; `auth` (default true) adds the signed-in user's ID token if there is one.
 * Resolves to {data, headers} when `raw` is set, else to the parsed body; rejects with ApiError.
 * `signal` (an AbortController's) cancels the request: the search box drops a suggestion request one keystroke old.
 */
export async function api(path, { method = "GET", body, headers = {}, auth = true, query, raw = false, signal } = {}) {
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
  return fetchJson(url, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body), signal }, { raw });
}
