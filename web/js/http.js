// JSON over fetch, with the API's error shape turned into ApiError. Imports nothing: it knows neither where
// the API is (config.js) nor who is signed in (auth.js), so both of those and api.js can build on it.

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
  }
}

/**
 * fetch(url, init), then the parsed JSON body (or {data, headers} when `raw` is set).
 * Rejects with ApiError: the answer's {"error": {code, message, details}}, or status 0 "NETWORK" when unreachable.
 */
export async function fetchJson(url, init = {}, { raw = false } = {}) {
  let response;
  try {
    response = await fetch(url, init);
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
