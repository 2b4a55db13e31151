// The pages' one way to the REST API: JSON in and out, CSRF on writes, errors as messages.

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super(ApiError.describe(body) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }

  // Flatten DRF's error shapes ({"detail": …} or {"field": ["…"]}) into one line.
  static describe(body) {
    if (!body || typeof body !== "object") return "";
    if (typeof body.detail === "string") return body.detail;
    return Object.entries(body)
      .map(([field, messages]) => {
        const text = Array.isArray(messages) ? messages.join(" ") : String(messages);
        return field === "non_field_errors" ? text : `${field}: ${text}`;
      })
      .join("；");
  }
}

export const API_ROOT = document.body.dataset.apiRoot || "/api/v1/";

export function apiUrl(path, params) {
  const url = new URL(path.startsWith("/") ? path : API_ROOT + path, window.location.origin);
  if (params) {
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
  }
  return url.toString();
}

async function parse(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export async function apiGet(path, params) {
  const response = await fetch(apiUrl(path, params), {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  return parse(response);
}

export async function apiSend(method, path, data) {
  const isForm = data instanceof FormData;
  const response = await fetch(apiUrl(path), {
    method,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
      ...(isForm || data === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: isForm ? data : data === undefined ? undefined : JSON.stringify(data),
  });
  if (response.status === 204) return null;
  return parse(response);
}

// Fetch every page of a list (for registries of modest size).
export async function apiGetAll(path, params) {
  let page = await apiGet(path, { page_size: 500, ...params });
  const results = [...page.results];
  while (page.next) {
    page = await apiGet(page.next);
    results.push(...page.results);
  }
  return results;
}
