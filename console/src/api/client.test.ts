import { ApiClient, ApiError, describeError } from "./client";
import { fakeFetch, memoryStore } from "../test/render";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

const unauthorized = () => json(401, { error: { code: "token_expired", message: "expired" } });

function loggedIn(fetchImpl: typeof fetch, refresh = "refresh-1") {
  const store = memoryStore(refresh);
  const client = new ApiClient({ fetch: fetchImpl, store });
  const ended: string[] = [];
  client.onSessionEnd((why) => ended.push(why));
  return { client, store, ended };
}

test("login keeps the access token in memory and the refresh token in the store", async () => {
  const f = fakeFetch({
    "POST /auth/login": {
      user: { id: "u", role: "agent" },
      token: { access_token: "A1", refresh_token: "R1", expires_in: 900 },
    },
    "/auth/me": (init: RequestInit) => ({ auth: new Headers(init.headers).get("Authorization") }),
  });
  const { client, store } = loggedIn(f, "");
  store.value = null;
  const user = await client.login("a@b.c", "pw");
  expect(user.role).toBe("agent");
  expect(store.value).toBe("R1");
  expect(client.accessToken).toBe("A1");
  expect(await client.get("/auth/me")).toEqual({ auth: "Bearer A1" });
});

test("a 401 refreshes once, keeps the rotated refresh token, and retries", async () => {
  const seen: string[] = [];
  let refreshes = 0;
  const f = fakeFetch({
    "POST /auth/refresh": (init: RequestInit) => {
      refreshes++;
      expect(JSON.parse(String(init.body))).toEqual({ refresh_token: "refresh-1" });
      return { access_token: "fresh", refresh_token: "refresh-2", expires_in: 900 };
    },
    "/conversations": (init: RequestInit) => {
      const auth = new Headers(init.headers).get("Authorization");
      seen.push(auth ?? "");
      return auth === "Bearer fresh" ? { conversations: [], total: 0 } : unauthorized();
    },
  });
  const { client, store, ended } = loggedIn(f);
  // An access token from before: expired.
  (client as unknown as { access: string }).access = "stale";
  expect(await client.get("/conversations")).toEqual({ conversations: [], total: 0 });
  expect(seen).toEqual(["Bearer stale", "Bearer fresh"]);
  expect(refreshes).toBe(1);
  expect(store.value).toBe("refresh-2");
  expect(ended).toEqual([]);
});

test("requests failing together share one refresh (a rotated token is never sent twice)", async () => {
  let refreshes = 0;
  const f = fakeFetch({
    "POST /auth/refresh": async () => {
      refreshes++;
      await new Promise((r) => setTimeout(r, 10));
      return { access_token: "fresh", refresh_token: "refresh-2", expires_in: 900 };
    },
    "/a": (init: RequestInit) =>
      new Headers(init.headers).get("Authorization") === "Bearer fresh" ? { ok: "a" } : unauthorized(),
    "/b": (init: RequestInit) =>
      new Headers(init.headers).get("Authorization") === "Bearer fresh" ? { ok: "b" } : unauthorized(),
  });
  const { client } = loggedIn(f);
  (client as unknown as { access: string }).access = "stale";
  expect(await Promise.all([client.get("/a"), client.get("/b"), client.get("/a")])).toEqual([
    { ok: "a" },
    { ok: "b" },
    { ok: "a" },
  ]);
  expect(refreshes).toBe(1);
});

test("after a reload (no access token) the stored refresh token restores the session", async () => {
  const f = fakeFetch({
    "POST /auth/refresh": { access_token: "fresh", refresh_token: "refresh-2", expires_in: 900 },
    "/auth/me": (init: RequestInit) => ({ auth: new Headers(init.headers).get("Authorization") }),
  });
  const { client } = loggedIn(f);
  expect(await client.get("/auth/me")).toEqual({ auth: "Bearer fresh" });
  expect(f.calls).toEqual(["POST /auth/refresh", "GET /auth/me"]);
});

test("a refused refresh logs out: tokens forgotten, the session-end listeners told", async () => {
  const f = fakeFetch({
    "POST /auth/refresh": json(401, { error: { code: "invalid_token", message: "revoked" } }),
    "/conversations": unauthorized(),
  });
  const { client, store, ended } = loggedIn(f);
  (client as unknown as { access: string }).access = "stale";
  const error = await client.get("/conversations").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).status).toBe(401);
  expect(store.value).toBeNull();
  expect(client.accessToken).toBeNull();
  expect(client.hasSession).toBe(false);
  expect(ended).toEqual(["expired"]);
});

test("a server error during refresh keeps the session (it may still be good)", async () => {
  const f = fakeFetch({
    "POST /auth/refresh": json(503, { error: { code: "unavailable", message: "later" } }),
    "/x": unauthorized(),
  });
  const { client, store, ended } = loggedIn(f);
  (client as unknown as { access: string }).access = "stale";
  await expect(client.get("/x")).rejects.toMatchObject({ status: 503 });
  expect(store.value).toBe("refresh-1");
  expect(ended).toEqual([]);
});

test("logout revokes the refresh token and forgets both", async () => {
  const bodies: unknown[] = [];
  const f = fakeFetch({
    "POST /auth/logout": (init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return { status: "logged_out" };
    },
  });
  const { client, store, ended } = loggedIn(f);
  await client.logout();
  expect(bodies).toEqual([{ refresh_token: "refresh-1" }]);
  expect(store.value).toBeNull();
  expect(ended).toEqual(["logged_out"]);
});

test("errors carry the API's code and the Retry-After of a 429", async () => {
  const f = fakeFetch({
    "POST /auth/login": json(
      429,
      { error: { code: "too_many_attempts", message: "too many failed logins; retry later" } },
      { "Retry-After": "600" },
    ),
  });
  const client = new ApiClient({ fetch: f, store: memoryStore() });
  const error = (await client.login("a@b.c", "x").catch((e: unknown) => e)) as ApiError;
  expect(error.status).toBe(429);
  expect(error.retryAfterS).toBe(600);
  expect(describeError(new ApiError(422, "window_expired", "closed"))).toMatch(/template/);
  expect(describeError(new ApiError(400, "invalid_request", "message: too long"))).toBe("message: too long.");
});
