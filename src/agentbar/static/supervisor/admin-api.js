// The admin REST API as the supervisor's pages call it: the token both pages keep in this
// tab's sessionStorage, GETs with it as a bearer header, and a CSV answer saved as a file.

export const TOKEN_KEY = "agentbar.supervisor.token";

// The server refused the token (401 or 403): the page asks for it again.
export class TokenRefused extends Error {}

// Any other failure, with what the server said (its `detail`) or why it was not reached.
export class RequestFailed extends Error {}

export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function get(path, token) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new RequestFailed("agentbar could not be reached");
  }
  if (response.status === 401 || response.status === 403) {
    throw new TokenRefused("That admin token is not valid.");
  }
  if (!response.ok) {
    let detail = `HTTP ${response.status}`;
    try {
      const body = await response.json();
      if (typeof body.detail === "string") detail = body.detail;
    } catch {
      // not JSON: keep the status
    }
    throw new RequestFailed(detail);
  }
  return response;
}

export async function getJson(path, token) {
  return (await get(path, token)).json();
}

// Fetch `path` (a CSV) with the token and hand it to the browser as a download named `filename`.
export async function downloadFile(path, token, filename) {
  const blob = await (await get(path, token)).blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once started; give the browser a moment before letting go.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// An instant as the API wants it: ISO 8601 in UTC, to the second.
export function isoSeconds(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

// [start, end) of the browser's local day that holds `date` (a day may have 23 or 25 hours).
export function localDay(date) {
  const start = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const end = new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1);
  return { start, end };
}

export function query(params) {
  return new URLSearchParams(params).toString();
}
