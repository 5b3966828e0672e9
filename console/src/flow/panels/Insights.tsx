import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { describeError } from "../../api/client";
import { useApi } from "../../session";
import { Bar, DeliveryFunnel, MetricTiles, PeriodSwitch, number, percent } from "../../analytics/charts";
import type { FlowReportOut, NodeFunnel, Period } from "../../analytics/types";
import { flowReportPath } from "../../analytics/types";
import type { PanelProps } from "../contract";
import { heatOf } from "./heat";
import "./panels.css";

function NodeTable({ nodes }: { nodes: NodeFunnel[] }) {
  if (nodes.length === 0) return <p className="empty-note">No node was entered in this period.</p>;
  const max = Math.max(...nodes.map((n) => n.entered), 1);
  return (
    <table className="data-table node-funnel" aria-label="Node funnel">
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col" className="num">
            Entered
          </th>
          <th scope="col" className="num">
            Dropped
          </th>
          <th scope="col" className="num">
            Drop-off
          </th>
          <th scope="col">
            <span className="sr-only">Bar</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((n) => (
          <tr key={n.node_id} className={n.drop_off_rate_percent >= 30 ? "is-hot" : undefined}>
            <th scope="row" title={n.node_type}>
              <span className="node-id">{n.node_id}</span>
              <span className="node-type">{n.node_type}</span>
            </th>
            <td className="num">{number(n.entered)}</td>
            <td className="num">{number(n.dropped_here)}</td>
            <td className="num">{percent(n.drop_off_rate_percent)}</td>
            <td className="bar-cell">
              <Bar value={n.entered} max={max} tone={n.drop_off_rate_percent >= 30 ? "drop" : "accent"} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Beside the canvas: the flow's figures for a period; the node funnel is painted as heat. */
export function InsightsPanel({ flowId, version, onOverlay }: PanelProps) {
  const api = useApi();
  const [period, setPeriod] = useState<Period>("7d");
  const overlay = useRef(onOverlay);
  overlay.current = onOverlay;
  const query = useQuery({
    queryKey: ["analytics", "flow-report", flowId, version, period],
    queryFn: ({ signal }) =>
      api.get<FlowReportOut>(flowReportPath(flowId), { period, version: version ?? undefined }, signal),
    placeholderData: (previous, prev) => (prev?.queryKey[2] === flowId ? previous : undefined),
    retry: false,
  });
  const report = query.data;

  useEffect(() => {
    overlay.current(report ? { heat: heatOf(report.nodes) } : null);
  }, [report]);
  useEffect(() => () => overlay.current(null), []);

  return (
    <section className="panel insights" aria-label="Flow analytics">
      <div className="panel-head">
        <h2>Analytics</h2>
        <PeriodSwitch value={period} onChange={setPeriod} />
      </div>
      {query.isError ? (
        <p className="callout callout-error" role="alert">
          {describeError(query.error)}
        </p>
      ) : query.isPending ? (
        <div role="status" aria-label="Loading analytics">
          <span className="skeleton skeleton-line" />
          <span className="skeleton skeleton-line short" />
        </div>
      ) : report ? (
        <div className="panel-body">
          <p className="panel-note">
            {report.flow_version === null
              ? "No published version yet: nothing has run."
              : `Published version ${report.flow_version}${version === null ? " (the draft has not run)" : ""}. The canvas shows where contacts drop off.`}
          </p>
          <h3 className="section-title">Conversations</h3>
          <MetricTiles metrics={report.metrics} />
          <h3 className="section-title">Delivery</h3>
          <DeliveryFunnel delivery={report.delivery} />
          <h3 className="section-title">Nodes</h3>
          <NodeTable nodes={report.nodes} />
        </div>
      ) : null}
    </section>
  );
}
