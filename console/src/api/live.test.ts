import { ApiClient } from "./client";
import { runLive } from "./sse";
import type { LiveState } from "./sse";
import type { LiveChange } from "./types";
import { memoryStore } from "../test/render";

function streamOf(chunks: string[], keepOpen = false): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      if (!keepOpen) controller.close();
    },
  });
}

test("live: events after ready reach onChange; a dropped stream reconnects", async () => {
  const abort = new AbortController();
  const changes: LiveChange[] = [];
  const states: string[] = [];
  let connects = 0;
  let readies = 0;
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (url.endsWith("/auth/refresh")) {
      return new Response(JSON.stringify({ access_token: "a", refresh_token: "r", expires_in: 900 }));
    }
    expect(url).toBe("/api/v1/live?organization_id=org-1");
    expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer a");
    connects++;
    if (connects === 1) {
      // split mid-event, with a ping; then the stream ends (the server's 10 minutes)
      return new Response(
        streamOf([
          "event: ready\ndata: {}\n\n: ping\n\nevent: conver",
          'sation\ndata: {"kind":"conversation","key":"k","phone":"5511","phone_number_id":"1","conversation_id":"c","status":"handoff"}\n\n',
        ]),
        { status: 200 },
      );
    }
    if (connects === 2) return new Response("{}", { status: 503 });
    return new Response(streamOf(["event: ready\ndata: {}\n\n"], true), { status: 200 });
  }) as typeof fetch;
  const client = new ApiClient({ fetch: fetchImpl, store: memoryStore("r0") });
  const done = runLive(
    client,
    {
      organizationId: "org-1",
      onChange: (c) => changes.push(c),
      onReady: () => {
        readies++;
        if (readies === 2) setTimeout(() => abort.abort(), 0);
      },
      onState: (s: LiveState) => states.push(s.state),
    },
    abort.signal,
  );
  await done;
  expect(changes.map((c) => [c.phone, c.status])).toEqual([["5511", "handoff"]]);
  expect(connects).toBe(3);
  expect(states[0]).toBe("connecting");
  expect(states).toContain("live");
  expect(states).toContain("retrying");
  expect(states[states.length - 1]).toBe("stopped");
}, 10_000);

test("live: a session that ended stops the subscription", async () => {
  const fetchImpl = (async (input: RequestInfo | URL) =>
    String(input).endsWith("/auth/refresh")
      ? new Response(JSON.stringify({ error: { code: "invalid_token", message: "no" } }), { status: 401 })
      : new Response("{}", { status: 401 })) as typeof fetch;
  const client = new ApiClient({ fetch: fetchImpl, store: memoryStore("r0") });
  const states: string[] = [];
  await runLive(client, { onChange: () => {}, onReady: () => {}, onState: (s) => states.push(s.state) }, new AbortController().signal);
  expect(states).toEqual(["connecting", "stopped"]);
});

test("a burst of live events becomes one refetch", async () => {
  const { coalesce } = await import("../live");
  vi.useFakeTimers();
  try {
    let runs = 0;
    const c = coalesce(() => runs++, 150);
    for (let i = 0; i < 20; i++) c.trigger();
    expect(runs).toBe(0);
    vi.advanceTimersByTime(150);
    expect(runs).toBe(1);
    c.trigger();
    c.cancel();
    vi.advanceTimersByTime(500);
    expect(runs).toBe(1);
  } finally {
    vi.useRealTimers();
  }
});
