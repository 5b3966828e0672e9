// Which source handles a node has (what it routes by), which handle a stored edge leaves from,
// and connecting a handle to a node. Stored edges name their branch by `sourceHandle` or, in
// older documents, by `label` (case-insensitive): both must land on the same handle.

import type { FlowDocument, FlowEdge, FlowNode } from "../contract";

/** The canvas id of a node's default handle (stored as sourceHandle null). */
export const DEFAULT_HANDLE = "__default";

export interface SourceHandle {
  /** The canvas handle id; DEFAULT_HANDLE for the default edge. */
  key: string;
  /** Shown on the node beside the handle. */
  label: string;
  /** The accessible name of the form's select that connects it. */
  connectLabel: string;
  /** Stored on the edge: sourceHandle (null for the default) and the label, if routed by one. */
  sourceHandle: string | null;
  edgeLabel: string | null;
  /** Other names a stored edge's label may use for this branch. */
  aliases: string[];
}

const TRUE_NAMES = ["true", "yes", "sim"];
const FALSE_NAMES = ["false", "no", "não", "nao"];

function items(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null)
    : [];
}

function fallback(): SourceHandle {
  return {
    key: DEFAULT_HANDLE, label: "", connectLabel: "Next node",
    sourceHandle: null, edgeLabel: null, aliases: [],
  };
}

function named(name: string, label: string, connectLabel: string, aliases: string[] = []): SourceHandle {
  return { key: name, label, connectLabel, sourceHandle: name, edgeLabel: name, aliases: [name, ...aliases] };
}

function byId(id: string, title: string, connectLabel: string): SourceHandle {
  return { key: id, label: title || id, connectLabel, sourceHandle: id, edgeLabel: null, aliases: [id, title].filter(Boolean) };
}

export function sourceHandles(node: Pick<FlowNode, "type" | "data">): SourceHandle[] {
  const data = node.data ?? {};
  switch (node.type) {
    case "end":
    case "jump":
      return []; // the conversation closes, or goes on where the jump says
    case "condition":
      return [
        named("true", "True", "When true", TRUE_NAMES),
        named("false", "False", "When false", FALSE_NAMES),
      ];
    case "question":
      return [
        { ...fallback(), label: "Answer" },
        named("invalid", "Invalid", "When invalid"),
        named("timeout", "Timeout", "On timeout"),
      ];
    case "api_call":
      return [named("success", "Success", "On success"), named("error", "Error", "On error")];
    case "interactive_buttons":
      return [
        ...items(data.buttons).map((b) =>
          byId(String(b.id ?? ""), String(b.title ?? ""), `Button ${String(b.id ?? "")} goes to`),
        ),
        { ...fallback(), label: "Other", connectLabel: "Otherwise" },
      ];
    case "interactive_list":
      return [
        ...items(data.sections).flatMap((s) =>
          items(s.rows).map((r) =>
            byId(String(r.id ?? ""), String(r.title ?? ""), `Row ${String(r.id ?? "")} goes to`),
          ),
        ),
        { ...fallback(), label: "Other", connectLabel: "Otherwise" },
      ];
    case "random":
      return items(data.paths).map((p) =>
        byId(String(p.id ?? ""), String(p.label ?? ""), `Path ${String(p.id ?? "")} goes to`),
      );
    default:
      return [fallback()];
  }
}

/** The handle key a stored edge leaves from, and whether it matched one (else: stale). */
export function handleOf(edge: FlowEdge, handles: SourceHandle[]): { key: string; matched: boolean } {
  if (handles.length === 0) return { key: DEFAULT_HANDLE, matched: false };
  if (edge.sourceHandle) {
    const hit = handles.find((h) => h.sourceHandle === edge.sourceHandle);
    if (hit) return { key: hit.key, matched: true };
  }
  const label = typeof edge.label === "string" ? edge.label.trim().toLowerCase() : "";
  if (label) {
    const hit = handles.find((h) => h.aliases.some((a) => a.toLowerCase() === label));
    if (hit) return { key: hit.key, matched: true };
  }
  const plain = handles.find((h) => h.key === DEFAULT_HANDLE);
  if (plain && !edge.sourceHandle && !label) return { key: plain.key, matched: true };
  return { key: (plain ?? handles[0]).key, matched: false };
}

function nodeById(doc: FlowDocument, id: string): FlowNode | undefined {
  return doc.canvas_data.nodes.find((n) => n.id === id);
}

/** The edges of `source` that leave from handle `key`. */
export function edgesFrom(doc: FlowDocument, source: string, key: string): FlowEdge[] {
  const node = nodeById(doc, source);
  if (!node) return [];
  const handles = sourceHandles(node);
  return doc.canvas_data.edges.filter((e) => e.source === source && handleOf(e, handles).key === key);
}

function freshEdgeId(edges: FlowEdge[], source: string, key: string, target: string): string {
  const base = `e-${source}-${key === DEFAULT_HANDLE ? "next" : key}-${target}`;
  const taken = new Set(edges.map((e) => e.id));
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** Point handle `key` of `source` at `target` (null: disconnect it); replaces what it had. */
export function connect(doc: FlowDocument, source: string, key: string, target: string | null): FlowDocument {
  const node = nodeById(doc, source);
  if (!node) return doc;
  const handles = sourceHandles(node);
  const handle = handles.find((h) => h.key === key);
  if (!handle) return doc;
  const kept = doc.canvas_data.edges.filter(
    (e) => !(e.source === source && handleOf(e, handles).key === key),
  );
  const edges = target
    ? [
        ...kept,
        {
          id: freshEdgeId(kept, source, key, target),
          source,
          target,
          sourceHandle: handle.sourceHandle,
          label: handle.edgeLabel,
        },
      ]
    : kept;
  return { ...doc, canvas_data: { ...doc.canvas_data, edges } };
}
