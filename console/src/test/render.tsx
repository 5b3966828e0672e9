// Render a piece of the console with a fake API (routes answered from a table).

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router-dom";
import { ApiClient } from "../api/client";
import type { TokenStore } from "../api/client";
import type { User } from "../api/types";
import { StaticLive } from "../live";
import { capsOf } from "../roles";
import { ApiProvider, StaticSession } from "../session";

export type Routes = Record<string, unknown | ((init: RequestInit, url: URL) => unknown)>;

export function memoryStore(initial: string | null = null): TokenStore & { value: string | null } {
  return {
    value: initial,
    get() {
      return this.value;
    },
    set(token) {
      this.value = token;
    },
  };
}

/** A fetch that answers "METHOD /path" (or "/path" for GET) from `routes`, JSON 200. */
export function fakeFetch(routes: Routes): typeof fetch & { calls: string[] } {
  const calls: string[] = [];
  const impl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://console.test");
    const method = (init.method ?? "GET").toUpperCase();
    const path = url.pathname.replace(/^\/api\/v1/, "");
    calls.push(`${method} ${path}`);
    const handler = routes[`${method} ${path}`] ?? (method === "GET" ? routes[path] : undefined);
    if (handler === undefined) {
      return new Response(JSON.stringify({ error: { code: "not_found", message: "no route" } }), {
        status: 404,
      });
    }
    const value = await (typeof handler === "function" ? (handler as (i: RequestInit, u: URL) => unknown)(init, url) : handler);
    if (value instanceof Response) return value;
    return new Response(JSON.stringify(value), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  };
  return Object.assign(impl as typeof fetch, { calls });
}

export function renderWith(ui: ReactNode, opts: { user: User; routes: Routes; path?: string }) {
  const fetchImpl = fakeFetch({
    "POST /auth/refresh": { access_token: "access", refresh_token: "refresh-2", expires_in: 900 },
    ...opts.routes,
  });
  const client = new ApiClient({ fetch: fetchImpl, store: memoryStore("refresh") });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const session = {
    status: "signed_in" as const,
    user: opts.user,
    caps: capsOf(opts.user),
    notice: null,
    login: async () => {},
    logout: async () => {},
    organizationId: opts.user.organization_id,
    setOrganizationId: () => {},
  };
  const result = render(
    <ApiProvider client={client}>
      <QueryClientProvider client={queries}>
        <MemoryRouter initialEntries={[opts.path ?? "/"]}>
          <StaticSession value={session}>
            <StaticLive value={{ state: "live" }}>{ui}</StaticLive>
          </StaticSession>
        </MemoryRouter>
      </QueryClientProvider>
    </ApiProvider>,
  );
  return { ...result, fetch: fetchImpl, client, queries };
}
