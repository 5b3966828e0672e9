// Replay as pure functions of the recorded steps: the state after a step as rows with what
// changed since the step before, and the path drawn on the canvas.

import type { ReplayStep } from "../flow/contract";

export type Change = "same" | "changed" | "added" | "removed";

export interface StateRow {
  key: string;
  value: unknown;
  before: unknown;
  change: Change;
}

function flatten(state: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const first = ["status", "current_node_id"];
  for (const key of first) if (key in state) out.set(key, state[key]);
  const rest = Object.keys(state)
    .filter((k) => !first.includes(k) && k !== "variables" && k !== "timers")
    .sort();
  for (const key of rest) out.set(key, state[key]);
  const vars = state.variables;
  if (vars && typeof vars === "object" && !Array.isArray(vars)) {
    for (const name of Object.keys(vars).sort()) out.set(`variables.${name}`, (vars as Record<string, unknown>)[name]);
  }
  if ("timers" in state) out.set("timers", state.timers);
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The state after a step, row by row, each marked against the state before it. */
export function stateRows(before: Record<string, unknown> | null, after: Record<string, unknown>): StateRow[] {
  const prev = flatten(before ?? {});
  const next = flatten(after);
  const rows: StateRow[] = [];
  for (const [key, value] of next) {
    const had = prev.has(key);
    const old = prev.get(key);
    rows.push({ key, value, before: old, change: !had ? "added" : same(old, value) ? "same" : "changed" });
  }
  for (const [key, old] of prev) {
    if (!next.has(key)) rows.push({ key, value: undefined, before: old, change: "removed" });
  }
  return rows;
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
