import { SseParser, backoffMs } from "./sse";
import type { SseItem } from "./sse";

const events = (items: SseItem[]) =>
  items.filter((i) => i.type === "event").map((i) => (i.type === "event" ? i.event : null));

test("an event split anywhere across chunks comes out once, whole", () => {
  const stream = 'event: conversation\ndata: {"phone":"5511","status":"handoff"}\n\n';
  for (let cut = 1; cut < stream.length; cut++) {
    const parser = new SseParser();
    const out = [...parser.feed(stream.slice(0, cut)), ...parser.feed(stream.slice(cut))];
    expect(events(out)).toEqual([
      { event: "conversation", data: '{"phone":"5511","status":"handoff"}', id: null },
    ]);
  }
});

test("one character at a time, with CRLF line ends split between chunks", () => {
  const parser = new SseParser();
  const out: SseItem[] = [];
  for (const ch of "event: ready\r\ndata: {}\r\n\r\nevent: delivery\r\ndata: x\r\n\r\n") {
    out.push(...parser.feed(ch));
  }
  expect(events(out).map((e) => e?.event)).toEqual(["ready", "delivery"]);
});

test("pings are comments, not events", () => {
  const parser = new SseParser();
  const out = parser.feed(": ping\n\n: ping\n\nevent: ready\ndata: {}\n\n");
  expect(out.filter((i) => i.type === "comment")).toEqual([
    { type: "comment", text: "ping" },
    { type: "comment", text: "ping" },
  ]);
  expect(events(out)).toHaveLength(1);
});

test("multi-line data is joined with newlines; a missing space after the colon is fine", () => {
  const parser = new SseParser();
  const out = parser.feed("data: first\ndata:second\ndata:  third\n\n");
  expect(events(out)[0]?.data).toBe("first\nsecond\n third");
  expect(events(out)[0]?.event).toBe("message");
});

test("an event without data is not dispatched; the event name resets after each event", () => {
  const parser = new SseParser();
  const out = parser.feed("event: lonely\n\ndata: a\n\nid: 7\nretry: 100\nunknown: x\ndata: b\n\n");
  expect(events(out)).toEqual([
    { event: "message", data: "a", id: null },
    { event: "message", data: "b", id: "7" },
  ]);
});

test("nothing comes out before the blank line that ends an event", () => {
  const parser = new SseParser();
  expect(parser.feed("event: conversation\ndata: {}\n")).toEqual([]);
  expect(events(parser.feed("\n"))).toHaveLength(1);
});

test("reconnection backs off, doubling to a ceiling, with jitter", () => {
  expect(backoffMs(0, () => 0)).toBe(500);
  expect(backoffMs(0, () => 1)).toBe(1000);
  expect(backoffMs(3, () => 1)).toBe(8000);
  expect(backoffMs(20, () => 1)).toBe(30_000);
  expect(backoffMs(20, () => 0)).toBe(15_000);
});
