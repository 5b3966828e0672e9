// The custom node drawn on the canvas: type, id, key content, a badge for broken limits and
// validation issues, heat-map figures, and one source handle per branch.

import { Handle, Position } from "@xyflow/react";
import type { Node, NodeProps } from "@xyflow/react";
import type { FlowIssue, FlowNode, NodeHeat } from "../contract";
import { NODE_LABEL, NODE_TONE, isNodeType } from "./catalogue";
import { DEFAULT_HANDLE } from "./handles";
import type { SourceHandle } from "./handles";
import type { LimitIssue } from "./limits";
import { clip, summary } from "./summary";

export interface NodeViewData extends Record<string, unknown> {
  node: FlowNode;
  handles: SourceHandle[];
  limits: LimitIssue[];
  issues: FlowIssue[];
  heat: NodeHeat | null;
  readOnly: boolean;
}

export type CanvasNode = Node<NodeViewData, "pytake">;

export function heatLevel(rate: number): "low" | "mid" | "high" {
  return rate >= 30 ? "high" : rate >= 10 ? "mid" : "low";
}

export function NodeView({ data }: NodeProps<CanvasNode>) {
  const { node, handles, limits, issues, heat, readOnly } = data;
  const known = isNodeType(node.type);
  const errors = issues.filter((i) => i.severity === "error").length;
  const warnings = issues.length - errors + limits.length;
  const single = handles.length === 1 && handles[0].key === DEFAULT_HANDLE;
  const branches = single ? [] : handles;
  return (
    <div className={`fnode-card ftone-${known ? NODE_TONE[node.type as keyof typeof NODE_TONE] : "red"}`}>
      {node.type !== "start" && (
        <Handle type="target" position={Position.Top} isConnectable={!readOnly} className="fnode-target" />
      )}
      <div className="fnode-head">
        <span className="fnode-type">{known ? NODE_LABEL[node.type as keyof typeof NODE_LABEL] : node.type}</span>
        <span className="fnode-id">{node.id}</span>
        {errors > 0 && (
          <span className="fnode-badge is-error" title={issues.map((i) => i.message).join("\n")}>
            {errors} error{errors > 1 ? "s" : ""}
          </span>
        )}
        {warnings > 0 && (
          <span
            className="fnode-badge is-warning"
            data-testid={`limit-badge-${node.id}`}
            title={[...limits.map((l) => l.message), ...issues.filter((i) => i.severity !== "error").map((i) => i.message)].join("\n")}
          >
            {warnings} warning{warnings > 1 ? "s" : ""}
          </span>
        )}
      </div>
      <div className="fnode-body">
        {summary(node).map((line, i) => (
          <p key={i} className={i === 0 ? "fnode-line" : "fnode-line fnode-sub"}>
            {clip(line)}
          </p>
        ))}
      </div>
      {heat && (
        <p className={`fnode-heat heat-${heatLevel(heat.dropOffRatePercent)}`} data-testid={`heat-${node.id}`}>
          <span title="Entered">{heat.entered} in</span>
          <span title="Left to a next node">{heat.left} on</span>
          <span title="Dropped here">{heat.droppedHere} dropped</span>
          <strong>{heat.dropOffRatePercent.toFixed(0)}%</strong>
        </p>
      )}
      {branches.length > 0 && (
        <ul className="fnode-branches">
          {branches.map((h) => (
            <li key={h.key} className="fnode-branch">
              <span>{h.key === DEFAULT_HANDLE ? h.label : clip(h.label, 28)}</span>
              <Handle
                type="source"
                id={h.key}
                position={Position.Right}
                isConnectable={!readOnly}
                className="fnode-source"
                aria-label={`${h.label} handle`}
              />
            </li>
          ))}
        </ul>
      )}
      {single && (
        <Handle type="source" id={DEFAULT_HANDLE} position={Position.Bottom} isConnectable={!readOnly} className="fnode-source" />
      )}
    </div>
  );
}
