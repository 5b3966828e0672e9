// What the panels draw over the canvas, as pure functions of what the API answered.

import type { NodeFunnel } from "../../analytics/types";
import type { CanvasOverlay, NodeHeat } from "../contract";

/** The heat map of a flow's node funnel: node id → its figures, in the editor's names. */
export function heatOf(nodes: NodeFunnel[]): Record<string, NodeHeat> {
  const heat: Record<string, NodeHeat> = {};
  for (const n of nodes) {
    heat[n.node_id] = {
      entered: n.entered,
      left: n.left,
      stoppedHere: n.stopped_here,
      droppedHere: n.dropped_here,
      dropOffRatePercent: n.drop_off_rate_percent,
    };
  }
  return heat;
}

/** The path drawn for a run so far: every node entered, in order. */
export function pathOverlay(activeNodeId: string | null, visitedNodeIds: string[]): CanvasOverlay {
  return { activeNodeId, visitedNodeIds };
}
