// Automatic layout with dagre (top to bottom), for documents saved without positions and for
// the "Tidy up" button.

import dagre from "@dagrejs/dagre";
import type { FlowDocument, FlowNode } from "../contract";

export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 110;

export function needsLayout(doc: FlowDocument): boolean {
  const nodes = doc.canvas_data.nodes;
  return nodes.length > 0 && nodes.some((n) => !hasPosition(n));
}

function hasPosition(node: FlowNode): boolean {
  const p = node.position;
  return Boolean(p && Number.isFinite(p.x) && Number.isFinite(p.y));
}

/** Every node placed by dagre; `sizes` are measured sizes where known. */
export function layout(
  doc: FlowDocument,
  sizes: Record<string, { width: number; height: number }> = {},
): FlowDocument {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 48, ranksep: 72, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(doc.canvas_data.nodes.map((n) => n.id));
  for (const node of doc.canvas_data.nodes) {
    const size = sizes[node.id] ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
    g.setNode(node.id, { width: size.width, height: size.height });
  }
  for (const edge of doc.canvas_data.edges) {
    if (ids.has(edge.source) && ids.has(edge.target)) g.setEdge(edge.source, edge.target);
  }
  dagre.layout(g);
  const nodes = doc.canvas_data.nodes.map((node) => {
    const placed = g.node(node.id);
    const size = sizes[node.id] ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
    return { ...node, position: { x: Math.round(placed.x - size.width / 2), y: Math.round(placed.y - size.height / 2) } };
  });
  return { ...doc, canvas_data: { ...doc.canvas_data, nodes } };
}
