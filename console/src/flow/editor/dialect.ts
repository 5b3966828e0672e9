// Reading a flow from an imported JSON file: the current document, a whole flow as the API
// returns it (with canvas_data), or the older PyTake dialect (nodes/edges at the top level,
// edges without id, older field names). The result always uses the current field names.

import type { CanvasData, FlowDocument, FlowEdge, FlowNode } from "../contract";

export class ImportError extends Error {}

/** Older name → current name, per node data. */
const RENAMES: [string, string][] = [
  ["messageText", "content"],
  ["questionText", "content"],
  ["farewellMessage", "content"],
  ["outputVariable", "variableName"],
  ["validationType", "responseType"],
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function upgradeData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const out = { ...data };
  for (const [old, current] of RENAMES) {
    if (!(old in out)) continue;
    if (out[current] === undefined || out[current] === "") out[current] = out[old];
    delete out[old];
  }
  if (type === "question" && (out.content === undefined || out.content === "") && typeof out.label === "string") {
    out.content = out.label; // the older builder used the node's label as the prompt
  }
  return out;
}

function upgradeNode(raw: unknown, index: number): FlowNode {
  if (!isObject(raw)) throw new ImportError(`node ${index + 1} is not an object`);
  if (typeof raw.id !== "string" && typeof raw.id !== "number") throw new ImportError(`node ${index + 1} has no id`);
  const type = typeof raw.type === "string" ? raw.type : "";
  if (!type) throw new ImportError(`node ${String(raw.id)} has no type`);
  const data = isObject(raw.data) ? raw.data : {};
  return { ...raw, id: String(raw.id), type, data: upgradeData(type, data) };
}

function upgradeEdges(raws: unknown[]): FlowEdge[] {
  const taken = new Set<string>();
  return raws.map((raw, index) => {
    if (!isObject(raw) || raw.source === undefined || raw.target === undefined) {
      throw new ImportError(`edge ${index + 1} has no source or target`);
    }
    let id = typeof raw.id === "string" && raw.id ? raw.id : `e${index + 1}`;
    while (taken.has(id)) id = `${id}-${index + 1}`;
    taken.add(id);
    return { ...raw, id, source: String(raw.source), target: String(raw.target) };
  });
}

/** A flow document from parsed JSON in any of the accepted shapes. */
export function importDocument(value: unknown): FlowDocument {
  if (!isObject(value)) throw new ImportError("the file does not hold a JSON object");
  const canvas: Record<string, unknown> | null = isObject(value.canvas_data)
    ? value.canvas_data
    : Array.isArray(value.nodes)
      ? value
      : null;
  if (!canvas || !Array.isArray(canvas.nodes)) {
    throw new ImportError("no flow found: expected canvas_data, or nodes and edges");
  }
  const { nodes, edges, ...rest } = canvas;
  const kept: Record<string, unknown> = canvas === value ? {} : rest;
  if (canvas === value && "viewport" in value) kept.viewport = value.viewport;
  const canvasData: CanvasData = {
    ...kept,
    nodes: (nodes as unknown[]).map(upgradeNode),
    edges: upgradeEdges(Array.isArray(edges) ? edges : []),
  };
  return { canvas_data: canvasData, variables: isObject(value.variables) ? value.variables : {} };
}

export function parseImport(text: string): FlowDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ImportError("the file is not valid JSON");
  }
  return importDocument(value);
}
