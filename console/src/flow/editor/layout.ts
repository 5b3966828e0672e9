// Automatic layout with dagre (top to bottom): for documents saved without positions or whose
// nodes overlap (drawn laid out, for display), and for the "Tidy up" button.

import dagre from "@dagrejs/dagre";
import type { FlowDocument, FlowNode } from "../contract";
import { DEFAULT_HANDLE, sourceHandles } from "./handles";
import { clip, summary } from "./summary";

export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 110;

export interface Size {
  width: number;
  height: number;
}

export function needsLayout(doc: FlowDocument): boolean {
  const nodes = doc.canvas_data.nodes;
  return nodes.length > 0 && nodes.some((n) => !hasPosition(n));
}

function hasPosition(node: FlowNode): boolean {
  const p = node.position;
  return Boolean(p && Number.isFinite(p.x) && Number.isFinite(p.y));
}

// What NodeView draws, in px (editor.css): the card's head, its summary lines (about 34
// characters a line at 240px), the branch list, the heat line. Rounded up: an estimate that
// errs high only lays out a document that did not need it, one that errs low draws overlaps.
const HEAD = 30;
const BODY_PAD = 12;
const LINE = 18;
const CHARS_PER_LINE = 32;
const BRANCH = 23;
const BRANCHES_PAD = 6;
const HEAT = 30;

/** A conservative size of a node as drawn, from its type and content (until it is measured). */
export function estimateSize(node: Pick<FlowNode, "type" | "data">, withHeat = false): Size {
  const lines = summary(node).reduce((n, line) => n + Math.max(1, Math.ceil(clip(line).length / CHARS_PER_LINE)), 0);
  const handles = sourceHandles(node);
  const single = handles.length === 1 && handles[0].key === DEFAULT_HANDLE;
  const branches = single ? 0 : handles.length;
  const height = HEAD + BODY_PAD + lines * LINE + (branches ? BRANCHES_PAD + branches * BRANCH : 0) + (withHeat ? HEAT : 0);
  return { width: NODE_WIDTH, height };
}

/** Each node's size: measured where known, else estimated. */
export function nodeSizes(doc: FlowDocument, measured: Record<string, Size> = {}, withHeat = false): Record<string, Size> {
  const out: Record<string, Size> = {};
  for (const node of doc.canvas_data.nodes) {
    const m = measured[node.id];
    out[node.id] = m && m.width > 0 && m.height > 0 ? m : estimateSize(node, withHeat);
  }
  return out;
}

/** Whether any two nodes' boxes (position + size) overlap; nodes without a position are skipped. */
export function overlaps(doc: FlowDocument, sizes: Record<string, Size> = {}): boolean {
  const boxes = doc.canvas_data.nodes.filter(hasPosition).map((n) => {
    const size = sizes[n.id] ?? estimateSize(n);
    const { x, y } = n.position!;
    return { x, y, right: x + size.width, bottom: y + size.height };
  });
  boxes.sort((a, b) => a.x - b.x);
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j].x < a.right; j++) {
      const b = boxes[j];
      if (b.y < a.bottom && a.y < b.bottom) return true;
    }
  }
  return false;
}

/** Whether a loaded document is drawn laid out: no positions, or nodes on top of each other. */
export function needsDisplayLayout(doc: FlowDocument, sizes: Record<string, Size> = {}): boolean {
  return needsLayout(doc) || overlaps(doc, sizes);
}

/** Every node placed by dagre; `sizes` are measured sizes where known. */
export function layout(doc: FlowDocument, sizes: Record<string, Size> = {}): FlowDocument {
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
