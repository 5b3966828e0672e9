// The contract between the flow editor (canvas, forms, palette) and the panels drawn beside or
// over it (simulator, analytics heat map, conversation replay), and the shapes of the API
// endpoints they call. The editor owns console/src/flow/editor/; the panels own
// console/src/flow/panels/ and console/src/replay/.

/** A node or edge of a flow document as stored (React Flow's shape, plus unknown keys kept). */
export interface FlowNode {
  id: string;
  type: string;
  position?: { x: number; y: number };
  data: Record<string, unknown>;
  [key: string]: unknown;
}

export interface FlowEdge {
  id?: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
  label?: string | null;
  [key: string]: unknown;
}

export interface CanvasData {
  nodes: FlowNode[];
  edges: FlowEdge[];
  viewport?: unknown;
  [key: string]: unknown;
}

/** What the engine runs: the canvas and the flow's default variables. */
export interface FlowDocument {
  canvas_data: CanvasData;
  variables: Record<string, unknown>;
}

/** Per-node figures drawn on the canvas (the funnel of GET /analytics/flows/{id}/funnel). */
export interface NodeHeat {
  entered: number;
  left: number;
  stoppedHere: number;
  droppedHere: number;
  dropOffRatePercent: number;
}

/** Drawn over the canvas by a panel; the editor renders it and never edits it. */
export interface CanvasOverlay {
  /** The node being run (simulator) or the node of the selected step (replay). */
  activeNodeId?: string | null;
  /** Nodes already run, in order (the path taken). */
  visitedNodeIds?: string[];
  /** Heat map: node id → figures; edges into a node carry its entered count. */
  heat?: Record<string, NodeHeat> | null;
}

/** Given by the editor page to each panel beside the canvas. */
export interface PanelProps {
  flowId: string;
  /** null: the draft in `document` (unsaved edits included); a number: that published version. */
  version: number | null;
  document: FlowDocument;
  onOverlay(overlay: CanvasOverlay | null): void;
}

/** Props of the canvas the editor exports as `FlowCanvas` from ./editor/FlowCanvas. */
export interface FlowCanvasProps {
  document: FlowDocument;
  overlay?: CanvasOverlay | null;
  /** Read-only: no palette, no dragging, no editing (replay, versions). */
  readOnly?: boolean;
  onChange?(document: FlowDocument): void;
  /** Node ids with errors/warnings from validation, shown on the nodes. */
  issues?: FlowIssue[];
}

export interface FlowIssue {
  node_id: string | null;
  field: string | null;
  message: string;
  severity: "error" | "warning";
}

// ---- API shapes (analytics service, under /api/v1) --------------------------------------

/** GET /flows/{id}/versions */
export interface FlowVersionsOut {
  versions: { version: number; published_at: string; published_by: string | null }[];
}

/** GET /flows/{id}/versions/{n} */
export interface FlowVersionOut extends FlowDocument {
  flow_id: string;
  version: number;
  published_at: string;
}

/** POST /flows/{id}/simulate: one input through the executor's own decide/evolve. */
export type SimInput =
  | { kind: "start" }
  | { kind: "text"; text: string }
  | { kind: "button"; id: string; title: string }
  | { kind: "list"; id: string; title: string }
  | { kind: "timer"; timer_id: string };

export interface SimulateIn {
  /** null: run `document` (or the saved draft when `document` is null). */
  version: number | null;
  document: FlowDocument | null;
  /** The `state` of the previous answer; null starts a new conversation. */
  state: unknown | null;
  input: SimInput;
  /** Let api_call/webhook nodes make their HTTP call (otherwise they get an error result). */
  allow_http: boolean;
  contact?: { name?: string; phone?: string };
}

export interface SimMessage {
  node_id: string | null;
  /** Meta's message type: text, interactive, template, image, video, audio, document. */
  type: string;
  text: string;
  buttons: { id: string; title: string }[];
  list: { button: string; sections: { title: string; rows: { id: string; title: string; description: string }[] }[] } | null;
  /** The message as the engine queued it (the sender turns it into the Graph API body). */
  body: Record<string, unknown>;
}

export interface SimTimer {
  timer_id: string;
  kind: string;
  node_id: string | null;
  in_seconds: number;
}

export interface SimCall {
  node_id: string | null;
  kind?: "api_call" | "webhook";
  method: string;
  url: string;
  made: boolean;
  status: number | null;
  error: string | null;
}

export interface SimulateOut {
  state: unknown;
  messages: SimMessage[];
  /** Nodes entered, in order, by this input. */
  steps: { node_id: string; node_type: string }[];
  /** The engine's events for this input: type and a one-line summary. */
  events: { type: string; summary: string }[];
  calls: SimCall[];
  variables: Record<string, unknown>;
  current_node_id: string | null;
  /** The engine's: new, active (running), waiting (for an answer, a call, a delay), handoff (paused for an agent), closed. */
  status: string;
  close_reason: string | null;
  timers: SimTimer[];
}

/** GET /conversations/{phone}/replay?number=&conversation_id= */
export interface ReplayOut {
  key: string;
  conversation_id: string;
  /** Every conversation recorded for this contact, oldest first. */
  conversations: string[];
  flow_id: string | null;
  flow_version: number | null;
  steps: ReplayStep[];
}

export interface ReplayStep {
  n: number;
  at: string | null;
  type: string;
  summary: string;
  node_id: string | null;
  /** The state after this event: status, current_node_id, variables, timers, … */
  state: Record<string, unknown>;
}

/** POST /conversations/{phone}/rerun?number=&version=N&conversation_id= */
export interface RerunOut {
  conversation_id: string;
  recorded_flow: string;
  target_flow: string;
  first_divergence: number | null;
  rows: { n: number; command: string; recorded: string[]; rerun: string[]; same: boolean; note: string }[];
}
