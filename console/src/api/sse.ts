// Server-sent events read with fetch (EventSource cannot send a bearer header): an incremental
// parser (text/event-stream as the HTML standard defines it) and the live subscription, which
// reconnects with backoff.

import { ApiClient, withQuery } from "./client";
import type { LiveChange } from "./types";

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

export type SseItem = { type: "event"; event: SseEvent } | { type: "comment"; text: string };

/** Feed it text as it arrives, split anywhere; it returns the complete events and comments. */
export class SseParser {
  private buffer = "";
  private pendingCR = false;
  private data: string[] = [];
  private eventName = "";
  private lastId: string | null = null;

  feed(chunk: string): SseItem[] {
    const out: SseItem[] = [];
    let text = chunk;
    if (this.pendingCR) {
      // "\r\n" split between two chunks is one line end, not two.
      if (text.startsWith("\n")) text = text.slice(1);
      this.pendingCR = false;
    }
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== "\n" && ch !== "\r") continue;
      const line = this.buffer.slice(start, i);
      if (ch === "\r") {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === "\n") i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
      this.line(line, out);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseItem[]): void {
    if (line === "") {
      if (this.data.length > 0) {
        out.push({
          type: "event",
          event: { event: this.eventName || "message", data: this.data.join("\n"), id: this.lastId },
        });
      }
      this.data = [];
      this.eventName = "";
      return;
    }
    if (line.startsWith(":")) {
      out.push({ type: "comment", text: line.slice(1).trimStart() });
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.eventName = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      default: // "retry" and unknown fields: ignored
    }
  }
}

/** Milliseconds before reconnection attempt `attempt` (0-based): doubling, capped, jittered. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export type LiveState =
  | { state: "connecting" }
  | { state: "live" }
  | { state: "retrying"; inMs: number; reason: string }
  | { state: "stopped" };

export interface LiveOptions {
  organizationId?: string | null;
  onChange(change: LiveChange): void;
  /** Called when (re)subscribed: events may have been missed, so everything is read again. */
  onReady(): void;
  onState(state: LiveState): void;
  /** No bytes for this long (pings come every 15 s) means the connection is dead. */
  silenceMs?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function parseChange(data: string): LiveChange | null {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === "object" ? (value as LiveChange) : null;
  } catch {
    return null;
  }
}

/** Subscribe to `GET /live` until `signal` aborts, reconnecting with backoff. */
export async function runLive(client: ApiClient, opts: LiveOptions, signal: AbortSignal) {
  const silenceMs = opts.silenceMs ?? 40_000;
  let attempt = 0;
  let quiet = false; // a planned reconnection (the stream ran its course) shows no flicker
  while (!signal.aborted) {
    if (!quiet) opts.onState({ state: "connecting" });
    quiet = false;
    const attemptAbort = new AbortController();
    const stop = () => attemptAbort.abort();
    signal.addEventListener("abort", stop, { once: true });
    let reason = "the connection was lost";
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        reason = "no sign of life from the server";
        attemptAbort.abort();
      }, silenceMs);
    };
    const started = Date.now();
    try {
      arm();
      const path = withQuery("/live", { organization_id: opts.organizationId ?? undefined });
      const response = await client.fetch(path, {
        headers: { Accept: "text/event-stream" },
        signal: attemptAbort.signal,
        cache: "no-store",
      });
      if (response.status === 401) {
        opts.onState({ state: "stopped" }); // the session ended: the app signs out
        return;
      }
      if (!response.ok || !response.body) {
        reason =
          response.status === 503 ? "live updates are briefly unavailable" : `HTTP ${response.status}`;
        throw new Error(reason);
      }
      const reader = response.body.getReader();
      // Aborting a fetch errors its body, but a body that ignores the signal must stop too.
      attemptAbort.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}), {
        once: true,
      });
      const decoder = new TextDecoder();
      const parser = new SseParser();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        for (const item of parser.feed(decoder.decode(value, { stream: true }))) {
          if (item.type !== "event") continue;
          if (item.event.event === "ready") {
            attempt = 0;
            opts.onState({ state: "live" });
            opts.onReady();
          } else {
            const change = parseChange(item.event.data);
            if (change) opts.onChange(change);
          }
        }
      }
      reason = "the stream ended";
    } catch {
      // aborted, network error, or a refused subscription: retried below
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", stop);
    }
    if (signal.aborted) break;
    // A stream that ran its course (10 minutes) reconnects at once; a failing one backs off.
    const lasted = Date.now() - started;
    if (lasted > 60_000) {
      quiet = reason === "the stream ended";
      if (!quiet) opts.onState({ state: "retrying", inMs: 0, reason });
      continue;
    }
    const wait = backoffMs(attempt++);
    opts.onState({ state: "retrying", inMs: wait, reason });
    await sleep(wait, signal);
  }
  opts.onState({ state: "stopped" });
}
