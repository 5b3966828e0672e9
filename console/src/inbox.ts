// The inbox's views, badges and order.

import type { Conversation, Priority } from "./api/types";
import type { Query } from "./api/client";
import { phoneLabel } from "./format";

export type ViewId = "waiting" | "bot" | "closed" | "mine";

export interface View {
  id: ViewId;
  label: string;
  empty: string;
  params: { status?: "active" | "handoff" | "closed"; assigned?: "me"; sort: "recent" | "waiting" };
}

export const VIEWS: readonly View[] = [
  {
    id: "waiting",
    label: "Waiting for a human",
    empty: "Nobody is waiting. Conversations the bot hands off show up here.",
    params: { status: "handoff", sort: "waiting" },
  },
  {
    id: "bot",
    label: "With the bot",
    empty: "No conversation is with the bot right now.",
    params: { status: "active", sort: "recent" },
  },
  {
    id: "mine",
    label: "Mine",
    empty: "Conversations you take over show up here.",
    params: { assigned: "me", sort: "waiting" },
  },
  {
    id: "closed",
    label: "Closed",
    empty: "No closed conversations.",
    params: { status: "closed", sort: "recent" },
  },
];

export function viewOf(id: string | null | undefined): View {
  return VIEWS.find((v) => v.id === id) ?? VIEWS[0];
}

export interface ListFilters {
  view: ViewId;
  number?: string;
  q?: string;
  organizationId?: string | null;
}

/** The query string of `GET /conversations` for a view and its filters. */
export function listQuery(filters: ListFilters, page = 1, perPage = 50): Query {
  const view = viewOf(filters.view);
  return {
    ...view.params,
    number: filters.number || undefined,
    q: filters.q?.trim() || undefined,
    organization_id: filters.organizationId || undefined,
    page,
    per_page: perPage,
  };
}

const RANK: Record<Priority, number> = { urgent: 3, high: 2, normal: 1, low: 0 };

export function priorityOf(value: string | null | undefined): Priority {
  return value && value in RANK ? (value as Priority) : "normal";
}

export interface Badge {
  label: string;
  tone: "red" | "orange" | "blue" | "grey";
}

export function priorityBadge(value: string | null | undefined): Badge {
  switch (priorityOf(value)) {
    case "urgent":
      return { label: "Urgent", tone: "red" };
    case "high":
      return { label: "High", tone: "orange" };
    case "low":
      return { label: "Low", tone: "grey" };
    default:
      return { label: "Normal", tone: "blue" };
  }
}

function time(iso: string | null | undefined, fallback: number): number {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? fallback : t;
}

/** Waiting for a human first; among them the most urgent, then who has waited longest;
 * the rest by latest activity (what `sort=waiting` does on the server). */
export function compareWaiting(a: Conversation, b: Conversation): number {
  const ha = a.status === "handoff" ? 1 : 0;
  const hb = b.status === "handoff" ? 1 : 0;
  if (ha !== hb) return hb - ha;
  if (ha) {
    const pa = RANK[priorityOf(a.handoff_priority)];
    const pb = RANK[priorityOf(b.handoff_priority)];
    if (pa !== pb) return pb - pa;
    const wa = time(a.handoff_at, Infinity);
    const wb = time(b.handoff_at, Infinity);
    if (wa !== wb) return wa - wb;
  }
  return compareRecent(a, b);
}

export function compareRecent(a: Conversation, b: Conversation): number {
  return time(b.last_activity_at, 0) - time(a.last_activity_at, 0) || a.key.localeCompare(b.key);
}

export function sortFor(view: ViewId): (a: Conversation, b: Conversation) => number {
  return viewOf(view).params.sort === "waiting" ? compareWaiting : compareRecent;
}

/** Pages of a list merged, without the duplicates a page shift can cause, in the view's order. */
export function mergePages(pages: Conversation[][], view: ViewId): Conversation[] {
  const seen = new Map<string, Conversation>();
  for (const page of pages) for (const c of page) if (!seen.has(c.id)) seen.set(c.id, c);
  return [...seen.values()].sort(sortFor(view));
}

export function displayName(c: Pick<Conversation, "contact_name" | "phone">): string {
  return c.contact_name?.trim() || phoneLabel(c.phone);
}

export function handoffReason(reason: string | null | undefined): string {
  switch (reason) {
    case "node":
      return "The flow asked for a human";
    case "api_error":
      return "An API call in the flow failed";
    case "inactivity":
      return "The contact stopped answering";
    case "window_closed":
      return "The 24-hour window closed";
    case "agent_takeover":
      return "Taken over by an agent";
    case null:
    case undefined:
    case "":
      return "Waiting for a human";
    default:
      return reason.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  }
}

export function closeReason(reason: string | null | undefined): string {
  switch (reason) {
    case "completed":
    case "end":
      return "The flow finished";
    case "closed_by_agent":
      return "Closed by an agent";
    case "expired":
      return "Expired after 24 hours";
    case "restarted":
      return "Restarted";
    case "inactivity":
      return "Closed for inactivity";
    case "max_iterations":
      return "Stopped: the flow looped";
    case null:
    case undefined:
    case "":
      return "Closed";
    default:
      return reason.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  }
}

export interface StatusLabel {
  label: string;
  tone: "amber" | "green" | "grey" | "violet";
}

export function statusLabel(c: Pick<Conversation, "status" | "assigned_to">, me?: string): StatusLabel {
  if (c.status === "closed") return { label: "Closed", tone: "grey" };
  if (c.status === "handoff") {
    if (c.assigned_to) return { label: c.assigned_to === me ? "With you" : "With an agent", tone: "violet" };
    return { label: "Waiting", tone: "amber" };
  }
  return { label: "With the bot", tone: "green" };
}

/** Who has a conversation, in words: "You", a person's name, or "Another agent". */
export function holderName(
  assignedTo: string | null | undefined,
  me: string | undefined,
  people: Map<string, { full_name: string; email: string }>,
): string | null {
  if (!assignedTo) return null;
  if (assignedTo === me) return "You";
  const person = people.get(assignedTo);
  return person ? person.full_name || person.email : "Another agent";
}
