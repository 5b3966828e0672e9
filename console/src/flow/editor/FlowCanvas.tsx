// The flow canvas (React Flow). The document is the one source of truth: nodes and edges are
// derived from it on every render, and every gesture (drag, connect, delete) becomes a new
// document through onChange. Used by the editor and, read-only, by replay and versions.

import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
} from "@xyflow/react";
import type { Connection, Edge, EdgeChange, NodeChange } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { DragEvent } from "react";
import type { FlowCanvasProps, FlowDocument, FlowIssue } from "../contract";
import { isNodeType } from "./catalogue";
import type { NodeType } from "./catalogue";
import { DEFAULT_HANDLE, connect, handleOf, sourceHandles } from "./handles";
import { layout, needsDisplayLayout, nodeSizes } from "./layout";
import type { Size } from "./layout";
import { limitIssues } from "./limits";
import { edgeKey, issuesByNode, moveNodes, removeEdges, removeNodes } from "./model";
import { NodeView } from "./NodeView";
import type { CanvasNode } from "./NodeView";
import "./editor.css";

export const DRAG_TYPE = "application/x-pytake-node";

/** The editor's extras over the contract's props (all optional). */
export interface EditorCanvasProps extends FlowCanvasProps {
  selectedId?: string | null;
  onSelect?(id: string | null): void;
  /** Like onChange, with a gesture key: edits of one gesture make one undo step. */
  onEdit?(document: FlowDocument, group: string | null): void;
  /** A palette item dropped on the canvas, at a point of the flow. */
  onDropType?(type: NodeType, position: { x: number; y: number }): void;
  /** Changes when the editor loads another document into the canvas (an import): the canvas
   * checks it again for overlapping nodes. Read-only, every new node list is a load. */
  loadKey?: unknown;
  /** The nodes' sizes as React Flow measured them (for "Tidy up"). */
  onMeasure?(sizes: Record<string, Size>): void;
  /** The layout drawn instead of the document's positions (null: none); see `displayed`. */
  onDisplayLayout?(layout: DisplayLayout | null): void;
}

type XY = { x: number; y: number };

/** Positions drawn instead of the document's, for the nodes whose position is still the one
 * loaded (`basis`, by reference): a node dragged, or the whole document tidied up, is drawn
 * where the document says. Never written to the document. */
export interface DisplayLayout {
  basis: Map<string, unknown>;
  positions: Record<string, XY>;
}

function displayLayout(doc: FlowDocument, sizes: Record<string, Size>): DisplayLayout | null {
  if (!needsDisplayLayout(doc, sizes)) return null;
  const laid = layout(doc, sizes);
  return {
    basis: new Map(doc.canvas_data.nodes.map((n) => [n.id, n.position])),
    positions: Object.fromEntries(laid.canvas_data.nodes.map((n) => [n.id, n.position as XY])),
  };
}

function shownAt(auto: DisplayLayout | null, node: FlowDocument["canvas_data"]["nodes"][number]): XY | undefined {
  return auto && auto.basis.get(node.id) === node.position ? auto.positions[node.id] : undefined;
}

/** The document with its nodes where the canvas draws them (for placing a new node near them). */
export function displayed(doc: FlowDocument, auto: DisplayLayout | null): FlowDocument {
  if (!auto) return doc;
  const nodes = doc.canvas_data.nodes.map((n) => {
    const at = shownAt(auto, n);
    return at ? { ...n, position: at } : n;
  });
  return { ...doc, canvas_data: { ...doc.canvas_data, nodes } };
}

function untouched(auto: DisplayLayout, doc: FlowDocument): boolean {
  return doc.canvas_data.nodes.every((n) => auto.basis.has(n.id) && auto.basis.get(n.id) === n.position);
}

const NODE_TYPES = { pytake: NodeView };
const NO_ISSUES: FlowIssue[] = [];

function Canvas(props: EditorCanvasProps) {
  const { document: doc, overlay, readOnly = false, issues = NO_ISSUES, selectedId = null } = props;
  const { onSelect, onDropType } = props;
  const flow = useReactFlow();
  const gesture = useRef(0);
  const [measured, setMeasured] = useState<Record<string, Size>>({});
  const withHeat = Boolean(overlay?.heat);

  // Documents whose nodes have no positions or overlap are drawn laid out: on load with
  // measured sizes where known (else estimated), once more when every node has been measured.
  const loadKey = readOnly ? doc.canvas_data.nodes : props.loadKey;
  const [auto, setAuto] = useState(() => ({ key: loadKey, refined: false, layout: displayLayout(doc, nodeSizes(doc, {}, withHeat)) }));
  const seen = useRef(new Set<string>());
  if (auto.key !== loadKey) {
    seen.current = new Set();
    setAuto({ key: loadKey, refined: false, layout: displayLayout(doc, nodeSizes(doc, measured, withHeat)) });
  }
  const measuredAll = !auto.refined && doc.canvas_data.nodes.every((n) => seen.current.has(n.id));
  useEffect(() => {
    if (!measuredAll || doc.canvas_data.nodes.length === 0) return;
    // Measured: decide again, unless the user has already moved something.
    setAuto((a) =>
      a.key !== loadKey || a.refined
        ? a
        : { ...a, refined: true, layout: a.layout && !untouched(a.layout, doc) ? a.layout : displayLayout(doc, nodeSizes(doc, measured)) },
    );
  }, [measuredAll, doc, loadKey, measured]);
  const shownLayout = auto.key === loadKey ? auto.layout : null;
  useEffect(() => {
    if (!auto.refined) return;
    const t = setTimeout(() => void flow.fitView({ padding: 0.2, maxZoom: 1 }), 0);
    return () => clearTimeout(t);
  }, [auto.refined, auto.layout, flow]);
  const onMeasure = props.onMeasure;
  useEffect(() => onMeasure?.(measured), [measured, onMeasure]);
  const onDisplayLayout = props.onDisplayLayout;
  useEffect(() => onDisplayLayout?.(shownLayout), [shownLayout, onDisplayLayout]);
  const edit = useCallback(
    (next: FlowDocument, group: string | null) => {
      if (props.onEdit) props.onEdit(next, group);
      else props.onChange?.(next);
    },
    [props],
  );

  const byNode = useMemo(() => issuesByNode(issues), [issues]);
  const active = overlay?.activeNodeId ?? null;
  const visited = useMemo(() => new Set(overlay?.visitedNodeIds ?? []), [overlay?.visitedNodeIds]);
  const heat = overlay?.heat ?? null;

  const nodes: CanvasNode[] = useMemo(
    () =>
      doc.canvas_data.nodes.map((node, index) => {
        const isActive = node.id === active;
        const classes = [
          "fnode",
          isActive ? "is-active" : "",
          visited.has(node.id) ? "is-visited" : "",
          (byNode.get(node.id) ?? []).some((i) => i.severity === "error") ? "has-error" : "",
        ];
        return {
          id: node.id,
          type: "pytake" as const,
          position: shownAt(shownLayout, node) ?? node.position ?? { x: 0, y: index * 140 },
          data: {
            node,
            handles: sourceHandles(node),
            limits: limitIssues(node),
            issues: byNode.get(node.id) ?? NO_ISSUES,
            heat: heat?.[node.id] ?? null,
            readOnly,
          },
          selected: node.id === selectedId,
          measured: measured[node.id],
          className: classes.filter(Boolean).join(" "),
          ariaLabel: `${node.type} node ${node.id}`,
          domAttributes: {
            "data-testid": `node-${node.id}`,
            "data-active": isActive ? "true" : undefined,
            "data-visited": visited.has(node.id) ? "true" : undefined,
            "aria-current": isActive ? ("step" as const) : undefined,
          } as Record<string, string | undefined>,
        };
      }),
    [doc, active, visited, byNode, heat, readOnly, selectedId, measured, shownLayout],
  );

  const edges: Edge[] = useMemo(() => {
    const handlesOf = new Map(doc.canvas_data.nodes.map((n) => [n.id, sourceHandles(n)]));
    return doc.canvas_data.edges.map((e, i) => {
      const handles = handlesOf.get(e.source) ?? [];
      const { key, matched } = handleOf(e, handles);
      const handle = handles.find((h) => h.key === key);
      const into = heat?.[e.target];
      const label = into ? String(into.entered) : key === DEFAULT_HANDLE ? undefined : handle?.label;
      const walked = visited.has(e.source) && visited.has(e.target);
      return {
        id: edgeKey(e, i),
        source: e.source,
        target: e.target,
        sourceHandle: handles.length > 0 ? key : undefined,
        label,
        className: [matched ? "" : "is-stale", walked ? "is-walked" : "", into ? "is-heat" : ""].filter(Boolean).join(" "),
        ariaLabel: `Edge from ${e.source}${key === DEFAULT_HANDLE ? "" : ` (${handle?.label ?? key})`} to ${e.target}`,
      };
    });
  }, [doc, heat, visited]);

  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      const sizes: Record<string, { width: number; height: number }> = {};
      const moves: Record<string, { x: number; y: number }> = {};
      const removed: string[] = [];
      let selected: string | null | undefined;
      for (const c of changes) {
        if (c.type === "dimensions" && c.dimensions) {
          sizes[c.id] = c.dimensions;
          seen.current.add(c.id);
        }
        else if (c.type === "position" && c.position && !readOnly) {
          moves[c.id] = c.position;
        } else if (c.type === "remove" && !readOnly) removed.push(c.id);
        else if (c.type === "select") {
          if (c.selected) selected = c.id;
          else if (c.id === selectedId && selected === undefined) selected = null;
        }
      }
      if (Object.keys(sizes).length) setMeasured((m) => ({ ...m, ...sizes }));
      let next = doc;
      if (Object.keys(moves).length) next = moveNodes(next, moves);
      if (removed.length) next = removeNodes(next, removed);
      if (next !== doc) edit(next, removed.length ? null : `move:${gesture.current}`);
      if (selected !== undefined) onSelect?.(selected);
    },
    [doc, edit, onSelect, readOnly, selectedId],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      if (readOnly) return;
      const removed = changes.filter((c) => c.type === "remove").map((c) => c.id);
      if (removed.length) edit(removeEdges(doc, removed), null);
    },
    [doc, edit, readOnly],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (readOnly || !c.source || !c.target) return;
      edit(connect(doc, c.source, c.sourceHandle ?? DEFAULT_HANDLE, c.target), null);
    },
    [doc, edit, readOnly],
  );

  const onDragOver = (event: DragEvent) => {
    if (readOnly || !onDropType) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  };
  const onDrop = (event: DragEvent) => {
    const type = event.dataTransfer.getData(DRAG_TYPE);
    if (readOnly || !onDropType || !isNodeType(type)) return;
    event.preventDefault();
    onDropType(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  };

  return (
    <div className="flow-canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<CanvasNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onNodeClick={(_, n) => onSelect?.(n.id)}
        onNodeDragStart={() => {
          gesture.current += 1;
        }}
        onPaneClick={() => onSelect?.(null)}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={false}
        deleteKeyCode={readOnly ? null : ["Backspace", "Delete"]}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} size={1} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable ariaLabel="Flow overview" />
      </ReactFlow>
    </div>
  );
}

export function FlowCanvas(props: EditorCanvasProps) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}
