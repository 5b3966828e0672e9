// The API client: bearer tokens, one refresh on a 401 (rotating refresh tokens), errors as
// ApiError. The access token lives in memory only; the refresh token in sessionStorage, so a
// reload of the tab keeps the session and closing the tab ends it.

import type { LoginOut, TokenPair, User } from "./types";

export const API_BASE = "/api/v1";
const REFRESH_KEY = "pytake.refresh_token";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Seconds to wait before trying again (429), from the body or the Retry-After header. */
  get retryAfterS(): number | null {
    const value = this.details.retry_after ?? this.details.retry_after_s;
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  }
}

/** Where the refresh token is kept between reloads of the tab. */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export function sessionTokenStore(key = REFRESH_KEY): TokenStore {
  return {
    get() {
      try {
        return sessionStorage.getItem(key);
      } catch {
        return null;
      }
    },
    set(token) {
      try {
        if (token) sessionStorage.setItem(key, token);
        else sessionStorage.removeItem(key);
      } catch {
        // storage disabled: the session lasts as long as the page
      }
    },
  };
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

async function errorOf(response: Response): Promise<ApiError> {
  let payload: unknown = null;
  try {
    payload = await response.json();
  } catch {
    // not JSON (a proxy's page): fall back to the status line
  }
  const error =
    payload && typeof payload === "object" && "error" in payload
      ? (payload as { error: Record<string, unknown> }).error
      : null;
  const details: Record<string, unknown> = { ...(error ?? {}) };
  const retry = response.headers.get("Retry-After");
  if (retry && details.retry_after === undefined && /^\d+$/.test(retry)) {
    details.retry_after = Number(retry);
  }
  const code = typeof error?.code === "string" ? error.code : `http_${response.status}`;
  const message =
    typeof error?.message === "string" ? error.message : response.statusText || "request failed";
  return new ApiError(response.status, code, message, details);
}

export type SessionEnd = "expired" | "logged_out";

export class ApiClient {
  private access: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private readonly listeners = new Set<(why: SessionEnd) => void>();
  private readonly base: string;
  private readonly store: TokenStore;
  private readonly doFetch: typeof fetch;

  constructor(opts: { base?: string; store?: TokenStore; fetch?: typeof fetch } = {}) {
    this.base = opts.base ?? API_BASE;
    this.store = opts.store ?? sessionTokenStore();
    this.doFetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get accessToken(): string | null {
    return this.access;
  }

  /** Whether there is a session to restore (a refresh token from before a reload). */
  get hasSession(): boolean {
    return this.access !== null || this.store.get() !== null;
  }

  onSessionEnd(listener: (why: SessionEnd) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private keep(pair: TokenPair): void {
    this.access = pair.access_token;
    this.store.set(pair.refresh_token);
  }

  private forget(why: SessionEnd): void {
    const had = this.access !== null || this.store.get() !== null;
    this.access = null;
    this.store.set(null);
    if (had) for (const listener of this.listeners) listener(why);
  }

  private async raw(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.doFetch(this.base + path, init);
    } catch (exc) {
      if (exc instanceof DOMException && exc.name === "AbortError") throw exc;
      throw new ApiError(0, "network", "The server cannot be reached. Check your connection.");
    }
  }

  async login(email: string, password: string): Promise<User> {
    const response = await this.raw("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    if (!response.ok) throw await errorOf(response);
    const out = (await response.json()) as LoginOut;
    this.keep(out.token);
    return out.user;
  }

  /** Trade the refresh token for a new pair, once at a time (the old one is then spent). */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.rotate().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async rotate(): Promise<boolean> {
    const token = this.store.get();
    if (!token) return false;
    const response = await this.raw("/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    });
    if (response.ok) {
      this.keep((await response.json()) as TokenPair);
      return true;
    }
    if (response.status === 401 || response.status === 400) {
      this.forget("expired");
      return false;
    }
    throw await errorOf(response); // 5xx: the session may still be good; try again later
  }

  async logout(): Promise<void> {
    const token = this.store.get();
    this.access = null;
    this.store.set(null);
    if (token) {
      try {
        await this.raw("/auth/logout", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: token }),
        });
      } catch {
        // the token is forgotten here either way
      }
    }
    for (const listener of this.listeners) listener("logged_out");
  }

  /** An authenticated request; on a 401 the tokens are refreshed once and it is sent again. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    if (this.access === null && this.store.get() !== null) await this.refresh();
    const send = (token: string | null) => {
      const headers = new Headers(init.headers);
      if (token) headers.set("Authorization", `Bearer ${token}`);
      return this.raw(path, { ...init, headers });
    };
    const used = this.access;
    let response = await send(used);
    if (response.status !== 401) return response;
    // Another request may have refreshed meanwhile: then its token is the one to use.
    const renewed = this.access !== null && this.access !== used ? true : await this.refresh();
    if (!renewed) return response;
    response = await send(this.access);
    if (response.status === 401) this.forget("expired");
    return response;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    const response = await this.fetch(withQuery(path, opts.query), {
      method,
      headers,
      body,
      signal: opts.signal,
    });
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", path, { query, signal });
  }

  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.request<T>("POST", path, { body: body ?? {}, query });
  }

  /** A multipart upload (the browser sets the boundary). */
  async upload<T>(path: string, form: FormData): Promise<T> {
    const response = await this.fetch(path, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: form,
    });
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as T;
  }
}

/** A person-readable sentence for an error from the API (never its raw JSON). */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case "network":
        return error.message;
      case "window_expired":
        return "The 24-hour window has closed: only an approved template can be sent now.";
      case "forbidden":
        return "Your role does not allow this.";
      case "not_in_handoff":
        return "The bot is already handling this conversation.";
      case "already_closed":
      case "closed":
        return "This conversation is closed.";
      case "not_an_agent":
        return "Pick an active agent or admin of this organization.";
      case "not_published":
        return "That flow has no published version.";
    }
    if (error.status === 401) return "Your session has expired. Sign in again.";
    if (error.status === 404) return "It no longer exists, or is not in your organization.";
    if (error.status >= 500 || error.status === 503) {
      return "The server is briefly unavailable. Try again in a moment.";
    }
    return error.message.endsWith(".") ? error.message : `${error.message}.`;
  }
  return "Something went wrong. Try again.";
}
