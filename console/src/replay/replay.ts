// Replay as pure functions of the recorded steps: the state after a step as rows with what
// changed since the step before (the first step against the state before any event), and the
// path drawn on the canvas.

import type { ReplayStep } from "../flow/contract";

export type Change = "same" | "changed" | "added" | "removed";

export interface StateRow {
  key: string;
  value: unknown;
  before: unknown;
  change: Change;
  /** Shown first, in the state table; the rest go under "All fields". */
  main: boolean;
}

/** ConversationState before any event (pytake_shared.engine.state): what step 1 is compared with. */
export function emptyState(key: string | null = null): Record<string, unknown> {
  return {
    key,
    status: "new",
    conversation_id: null,
    organization_id: null,
    chatbot_id: null,
    phone_number_id: null,
    contact: {},
    flow_id: null,
    flow_version: null,
    flow_name: null,
    current_node_id: null,
    waiting_on: null,
    variables: {},
    path: [],
    attempts: 0,
    last_input: null,
    last_inbound_at: null,
    window_open_until: null,
    window_action_taken: false,
    started_at: null,
    closed_at: null,
    messages_queued: 0,
    timers_scheduled: 0,
    requests_made: 0,
    timers: {},
    pending_call: null,
    close_reason: null,
    assigned_to: null,
  };
}

/** The state the step at `index` is compared with: the step before it, or for the first step
 * the empty state (only the fields the recorded state has, so none reads as removed). */
export function stateBefore(steps: ReplayStep[], index: number, key: string | null): Record<string, unknown> | null {
  if (index > 0) return steps[index - 1]?.state ?? null;
  const after = steps[index]?.state;
  if (!after) return null;
  const empty = emptyState(key);
  return Object.fromEntries(Object.keys(after).filter((k) => k in empty).map((k) => [k, empty[k]]));
}

/** The fields a person looks for first, in order; `variables.<name>` rows sit at "variables". */
export const MAIN_FIELDS = [
  "status",
  "current_node_id",
  "variables",
  "timers",
  "flow",
  "waiting_on",
  "close_reason",
  "assigned_to",
  "last_input",
] as const;

const FLOW_FIELDS = ["flow_id", "flow_version", "flow_name"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function flatten(state: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(state)) {
    if (key === "variables" && isRecord(value)) {
      for (const name of Object.keys(value)) out.set(`variables.${name}`, value[name]);
    } else if (FLOW_FIELDS.includes(key)) {
      if (!out.has("flow")) {
        out.set("flow", { id: state.flow_id ?? null, version: state.flow_version ?? null, name: state.flow_name ?? null });
      }
    } else if (key === "timers" && Array.isArray(value)) {
      // A map of timer id → timer (a list from older recordings reads the same way).
      out.set(key, Object.fromEntries(value.map((t, i) => [isRecord(t) && typeof t.timer_id === "string" ? t.timer_id : String(i), t])));
    } else out.set(key, value);
  }
  return out;
}

/** The field a row belongs to: "variables" for a `variables.<name>` row, else the key. */
export function fieldOf(key: string): string {
  return key.startsWith("variables.") ? "variables" : key;
}

function rank(key: string): [number, string] {
  const i = (MAIN_FIELDS as readonly string[]).indexOf(fieldOf(key));
  return [i === -1 ? MAIN_FIELDS.length : i, key];
}

function byRank(a: string, b: string): number {
  const [ra, ka] = rank(a);
  const [rb, kb] = rank(b);
  return ra !== rb ? ra - rb : ka < kb ? -1 : ka > kb ? 1 : 0;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The state after a step, row by row (main fields first), each marked against the state before it. */
export function stateRows(before: Record<string, unknown> | null, after: Record<string, unknown>): StateRow[] {
  const prev = flatten(before ?? {});
  const next = flatten(after);
  const keys = [...new Set([...next.keys(), ...prev.keys()])].sort(byRank);
  return keys.map((key) => {
    const main = rank(key)[0] < MAIN_FIELDS.length;
    const value = next.get(key);
    const old = prev.get(key);
    if (!next.has(key)) return { key, value: undefined, before: old, change: "removed" as const, main };
    if (!prev.has(key)) return { key, value, before: undefined, change: "added" as const, main };
    return { key, value, before: old, change: same(old, value) ? ("same" as const) : ("changed" as const), main };
  });
}

function clock(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return Number.isNaN(d.getTime())
    ? String(epochSeconds)
    : d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function timerLines(value: unknown): string[] | null {
  const list = Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : null;
  if (!list) return null;
  return list.map((t) => {
    if (!isRecord(t)) return String(t);
    const kind = typeof t.kind === "string" ? t.kind : "timer";
    const due = typeof t.fire_at === "number" ? ` · due ${clock(t.fire_at)}` : "";
    const node = typeof t.node_id === "string" ? ` · ${t.node_id}` : "";
    return `${kind}${due}${node}`;
  });
}

/** A row's value as text: timers as kind + due, the flow as id@version and name, else `show`. */
export function displayValue(key: string, value: unknown, show: (v: unknown) => string): string {
  if (key === "timers") {
    const lines = timerLines(value);
    if (lines) return lines.length === 0 ? "none" : lines.join("\n");
  }
  if (key === "flow" && isRecord(value)) {
    if (value.id === null && value.version === null && value.name === null) return "–";
    const id = `${value.id ?? "?"}@${value.version ?? "?"}`;
    return value.name ? `${id} (${String(value.name)})` : id;
  }
  return show(value);
}

/** The nodes run up to and including step `index`, in order, without repeating a node twice running. */
export function visitedUpTo(steps: ReplayStep[], index: number): string[] {
  const path: string[] = [];
  for (const step of steps.slice(0, index + 1)) {
    const node = step.node_id;
    if (node && path[path.length - 1] !== node) path.push(node);
  }
  return path;
}

/** The node the canvas highlights for a step: the step's own, else where the state stands. */
export function activeNode(step: ReplayStep | undefined): string | null {
  if (!step) return null;
  if (step.node_id) return step.node_id;
  const current = step.state.current_node_id;
  return typeof current === "string" ? current : null;
}

export function clampStep(index: number, count: number): number {
  return Math.max(0, Math.min(count - 1, index));
}
