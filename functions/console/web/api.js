// The jobs, objects and tokens APIs from the browser. Every call carries
// the signed-in user's ID token as a bearer token (a CORS request the
// functions answer for this console's origin); errors become ApiError with
// the API's message and what to do next.

export class ApiError extends Error {
  constructor(status, code, message, next, requestId = "") {
    super(message);
    this.status = status;
    this.code = code;
    this.next = next;
    this.requestId = requestId;
  }
}

// advice is the next step for an API error, by status.
export function advice(status, requestId) {
  switch (status) {
    case 401: return "sign in again: your sign-in may have expired";
    case 403: return "you may see this but not do it: ask a project owner for the editor (or owner) role";
    case 404: return "check the id: you see only your own jobs and objects and those of your projects";
    case 409: return "its state does not allow this yet: refresh and try again when it has moved on";
    case 410: return "it is final: submit it again if you need it";
    case 412: return "it already exists: signed upload URLs create once, start a new upload";
    case 413: return "it is over the limit: make it smaller or free space in the quota";
    case 429: case 502: case 503: case 504: return "the service is busy or a backend is down: retry in a moment";
    case 500: return `retry; if it happens again, report it with the time and request id ${requestId}`;
    default: return "";
  }
}

export class API {
  // config is the console's /config.json; token() returns the ID token.
  constructor(config, token, onUnauthenticated) {
    this.urls = { jobs: config.jobsUrl, objects: config.objectsUrl, tokens: config.tokensUrl };
    this.token = token;
    this.onUnauthenticated = onUnauthenticated;
  }

  async call(fn, method, path, body) {
    const headers = { Authorization: `Bearer ${this.token()}` };
    const init = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(this.urls[fn] + path, init);
    } catch {
      throw new ApiError(0, "network", `could not reach the ${fn} service`,
        "check your connection and retry; if it persists, this console's origin may not be allowed to call the API (VALET_ALLOWED_ORIGINS)");
    }
    const requestId = res.headers.get("X-Request-Id") || "";
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const e = data?.error || {};
      if (res.status === 401 && this.onUnauthenticated) this.onUnauthenticated();
      throw new ApiError(res.status, e.code || "http", `${e.message || res.statusText} (${res.status})`, advice(res.status, requestId), requestId);
    }
    return data;
  }

  get(fn, path) { return this.call(fn, "GET", path); }
  post(fn, path, body = undefined) { return this.call(fn, "POST", path, body); }
  put(fn, path, body) { return this.call(fn, "PUT", path, body); }
  del(fn, path) { return this.call(fn, "DELETE", path); }
}

// query builds "?a=b&…" from the non-empty values of params.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}
