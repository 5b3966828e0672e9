import { conversation } from "./test/fixtures";
import {
  compareWaiting,
  displayName,
  holderName,
  listQuery,
  mergePages,
  priorityBadge,
  statusLabel,
} from "./inbox";

test("each view asks the API for what it shows", () => {
  expect(listQuery({ view: "waiting" })).toMatchObject({ status: "handoff", sort: "waiting" });
  expect(listQuery({ view: "bot" })).toMatchObject({ status: "active", sort: "recent" });
  expect(listQuery({ view: "closed" })).toMatchObject({ status: "closed" });
  expect(listQuery({ view: "mine" })).toMatchObject({ assigned: "me", sort: "waiting" });
  expect(listQuery({ view: "mine" }).status).toBeUndefined();
  const q = listQuery({ view: "waiting", number: "1000", q: "  lin ", organizationId: "org" }, 2, 50);
  expect(q).toMatchObject({ number: "1000", q: "lin", organization_id: "org", page: 2, per_page: 50 });
  expect(listQuery({ view: "waiting", q: "  " }).q).toBeUndefined();
});

test("priority badges", () => {
  expect(priorityBadge("urgent")).toEqual({ label: "Urgent", tone: "red" });
  expect(priorityBadge("high")).toEqual({ label: "High", tone: "orange" });
  expect(priorityBadge("normal")).toEqual({ label: "Normal", tone: "blue" });
  expect(priorityBadge("low")).toEqual({ label: "Low", tone: "grey" });
  expect(priorityBadge(null)).toEqual({ label: "Normal", tone: "blue" });
  expect(priorityBadge("bogus")).toEqual({ label: "Normal", tone: "blue" });
});

test("waiting order: handoffs first, urgent > high > normal > low, then longest waiting", () => {
  const c = (id: string, over: Parameters<typeof conversation>[0]) =>
    conversation({ id, key: id, ...over });
  const list = [
    c("bot", { status: "active", handoff_at: null, last_activity_at: "2026-03-02T12:00:00Z" }),
    c("low", { handoff_priority: "low", handoff_at: "2026-03-02T08:00:00Z" }),
    c("normal-new", { handoff_priority: "normal", handoff_at: "2026-03-02T11:00:00Z" }),
    c("urgent", { handoff_priority: "urgent", handoff_at: "2026-03-02T11:30:00Z" }),
    c("normal-old", { handoff_priority: null, handoff_at: "2026-03-02T09:00:00Z" }),
    c("high", { handoff_priority: "high", handoff_at: "2026-03-02T11:59:00Z" }),
  ];
  expect([...list].sort(compareWaiting).map((x) => x.id)).toEqual([
    "urgent",
    "high",
    "normal-old",
    "normal-new",
    "low",
    "bot",
  ]);
});

test("pages merge without duplicates, in the view's order", () => {
  const a = conversation({ id: "a", key: "a", last_activity_at: "2026-03-02T10:00:00Z", status: "active" });
  const b = conversation({ id: "b", key: "b", last_activity_at: "2026-03-02T11:00:00Z", status: "active" });
  expect(mergePages([[a, b], [b]], "bot").map((x) => x.id)).toEqual(["b", "a"]);
});

test("names, status labels and who has it", () => {
  expect(displayName({ contact_name: "  ", phone: "5511" })).toBe("5511");
  expect(displayName({ contact_name: null, phone: "5511912345678" })).toBe("+5511912345678");
  expect(displayName({ contact_name: "Lin", phone: "1" })).toBe("Lin");
  expect(statusLabel({ status: "handoff", assigned_to: null })).toEqual({ label: "Waiting", tone: "amber" });
  expect(statusLabel({ status: "handoff", assigned_to: "me" }, "me").label).toBe("With you");
  expect(statusLabel({ status: "active", assigned_to: null }).label).toBe("With the bot");
  expect(statusLabel({ status: "closed", assigned_to: "x" }).label).toBe("Closed");
  const people = new Map([["u2", { full_name: "Bruno Lima", email: "b@x" }]]);
  expect(holderName("me", "me", people)).toBe("You");
  expect(holderName("u2", "me", people)).toBe("Bruno Lima");
  expect(holderName("u3", "me", people)).toBe("Another agent");
  expect(holderName(null, "me", people)).toBeNull();
});
