// Edits of a flow document. Pure: each returns a new document and leaves unknown keys alone.

import type { FlowDocument, FlowIssue, FlowNode } from "../contract";
import { defaultData } from "./catalogue";
import type { NodeType } from "./catalogue";

export function emptyDocument(): FlowDocument {
  return {
    canvas_data: { nodes: [{ id: "start", type: "start", position: { x: 0, y: 0 }, data: {} }], edges: [] },
    variables: {},
  };
}

/** A document from whatever the API returned (a missing canvas or edges list is empty). */
export function documentOf(flow: { canvas_data?: unknown; variables?: unknown }): FlowDocument {
  const canvas = (typeof flow.canvas_data === "object" && flow.canvas_data) || {};
  const c = canvas as Record<string, unknown>;
  return {
    canvas_data: {
      ...c,
      nodes: Array.isArray(c.nodes) ? (c.nodes as FlowNode[]).map((n) => ({ ...n, data: n.data ?? {} })) : [],
      edges: Array.isArray(c.edges) ? (c.edges as FlowDocument["canvas_data"]["edges"]) : [],
    },
    variables:
      typeof flow.variables === "object" && flow.variables !== null
        ? (flow.variables as Record<string, unknown>)
        : {},
  };
}

/** `<type>-<n>`, the first one not taken (the older builder used `<type>-<timestamp>`). */
export function newNodeId(doc: FlowDocument, type: string): string {
  const taken = new Set(doc.canvas_data.nodes.map((n) => n.id));
  for (let n = 1; ; n++) {
    const id = `${type}-${n}`;
    if (!taken.has(id)) return id;
  }
}

export function addNode(
  doc: FlowDocument,
  type: NodeType,
  position: { x: number; y: number },
  id = newNodeId(doc, type),
): { document: FlowDocument; id: string } {
  const node: FlowNode = { id, type, position, data: defaultData(type) };
  return { document: { ...doc, canvas_data: { ...doc.canvas_data, nodes: [...doc.canvas_data.nodes, node] } }, id };
}

/** Where a node added without a drop point goes: below the lowest node. */
export function nextPosition(doc: FlowDocument): { x: number; y: number } {
  const placed = doc.canvas_data.nodes.filter((n) => n.position);
  if (placed.length === 0) return { x: 0, y: 0 };
  const lowest = placed.reduce((a, b) => ((b.position?.y ?? 0) > (a.position?.y ?? 0) ? b : a));
  return { x: lowest.position?.x ?? 0, y: (lowest.position?.y ?? 0) + 160 };
}

export function updateNodeData(doc: FlowDocument, id: string, data: Record<string, unknown>): FlowDocument {
  const nodes = doc.canvas_data.nodes.map((n) => (n.id === id ? { ...n, data } : n));
  return { ...doc, canvas_data: { ...doc.canvas_data, nodes } };
}

export function moveNodes(doc: FlowDocument, moves: Record<string, { x: number; y: number }>): FlowDocument {
  const nodes = doc.canvas_data.nodes.map((n) => (moves[n.id] ? { ...n, position: moves[n.id] } : n));
  return { ...doc, canvas_data: { ...doc.canvas_data, nodes } };
}

/** Remove nodes and every edge touching them. */
export function removeNodes(doc: FlowDocument, ids: string[]): FlowDocument {
  const gone = new Set(ids);
  return {
    ...doc,
    canvas_data: {
      ...doc.canvas_data,
      nodes: doc.canvas_data.nodes.filter((n) => !gone.has(n.id)),
      edges: doc.canvas_data.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)),
    },
  };
}

/** Edges are identified by id; stored edges without one are matched by their index. */
export function edgeKey(edge: { id?: string }, index: number): string {
  return edge.id || `edge-${index}`;
}

export function removeEdges(doc: FlowDocument, keys: string[]): FlowDocument {
  const gone = new Set(keys);
  const edges = doc.canvas_data.edges.filter((e, i) => !gone.has(edgeKey(e, i)));
  return { ...doc, canvas_data: { ...doc.canvas_data, edges } };
}

/** Issues grouped by node id (issues without a node are under ""). */
export function issuesByNode(issues: FlowIssue[]): Map<string, FlowIssue[]> {
  const out = new Map<string, FlowIssue[]>();
  for (const issue of issues) {
    const key = issue.node_id ?? "";
    out.set(key, [...(out.get(key) ?? []), issue]);
  }
  return out;
}
