// The simulator's transcript and what it shows of an answer, kept apart from React so the
// loop (input → answer → the state passed back) is a plain fold.

import { ApiError, describeError } from "../../api/client";
import type { FlowIssue, SimInput, SimMessage, SimulateOut } from "../contract";

export type Entry =
  | { id: number; who: "bot"; message: SimMessage; turn: number }
  | { id: number; who: "contact"; text: string; turn: number }
  | { id: number; who: "note"; text: string; turn: number };

export interface Run {
  /** The engine's state of the last answer, sent back with the next input. */
  state: unknown;
  turn: number;
  entries: Entry[];
  visited: string[];
  last: SimulateOut | null;
  /** Variable names whose value changed with the last answer. */
  changed: Set<string>;
}

export const EMPTY_RUN: Run = { state: null, turn: 0, entries: [], visited: [], last: null, changed: new Set() };

/** What the contact did, as a line of the transcript (null: nothing the contact said). */
export function inputLine(input: SimInput, timerKind?: string): { who: "contact" | "note"; text: string } | null {
  switch (input.kind) {
    case "start":
      return null;
    case "text":
      return { who: "contact", text: input.text };
    case "button":
    case "list":
      return { who: "contact", text: input.title };
    case "timer":
      return { who: "note", text: `Fast-forwarded the ${timerKind ?? "timer"} timer` };
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function changedVariables(before: Record<string, unknown>, after: Record<string, unknown>): Set<string> {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return new Set([...names].filter((k) => !same(before[k], after[k])));
}

/** The run after `out` answered `input` (a start begins a new run). */
export function advance(run: Run, input: SimInput, out: SimulateOut, timerKind?: string): Run {
  const base = input.kind === "start" ? EMPTY_RUN : run;
  const turn = base.turn + 1;
  let id = base.entries.length ? base.entries[base.entries.length - 1].id + 1 : 1;
  const entries = [...base.entries];
  const line = inputLine(input, timerKind);
  if (line) entries.push({ id: id++, turn, ...line });
  for (const message of out.messages) entries.push({ id: id++, who: "bot", message, turn });
  return {
    state: out.state,
    turn,
    entries,
    visited: [...base.visited, ...out.steps.map((s) => s.node_id)],
    last: out,
    changed: changedVariables(base.last?.variables ?? {}, out.variables),
  };
}

export interface SimError {
  message: string;
  issues: FlowIssue[];
}

/** An error as the panel shows it: a 422 of an invalid draft lists its located errors. */
export function simError(error: unknown): SimError {
  if (error instanceof ApiError && error.status === 422) {
    const raw = error.details.errors;
    const issues = Array.isArray(raw)
      ? raw
          .filter((i): i is Record<string, unknown> => Boolean(i) && typeof i === "object")
          .map((i) => ({
            node_id: typeof i.node_id === "string" ? i.node_id : null,
            field: typeof i.field === "string" ? i.field : null,
            message: typeof i.message === "string" ? i.message : "Invalid",
            severity: i.severity === "warning" ? ("warning" as const) : ("error" as const),
          }))
      : [];
    return { message: error.message || "The flow cannot run.", issues };
  }
  return { message: describeError(error), issues: [] };
}

/** A short description of a message the simulator cannot show as text (template, media). */
export function describeMessage(m: SimMessage): string | null {
  const body = m.body ?? {};
  if (m.type === "template") {
    const t = (body.template ?? {}) as { name?: unknown; language?: { code?: unknown } };
    const name = typeof t.name === "string" ? t.name : "unnamed";
    const lang = typeof t.language?.code === "string" ? ` (${t.language.code})` : "";
    return `Template “${name}”${lang}`;
  }
  if (["image", "video", "audio", "document", "sticker"].includes(m.type)) {
    const part = (body[m.type] ?? {}) as { link?: unknown; filename?: unknown; id?: unknown };
    const label = { image: "Image", video: "Video", audio: "Audio", document: "Document", sticker: "Sticker" }[m.type];
    const what = [part.filename, part.link, part.id].find((v) => typeof v === "string" && v);
    return what ? `${label}: ${String(what)}` : label ?? m.type;
  }
  return null;
}

export function show(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value === "" ? "“”" : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export function inSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.round((s / 3600) * 10) / 10} h`;
  return `${Math.round((s / 86400) * 10) / 10} d`;
}
