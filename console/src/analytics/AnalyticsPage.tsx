import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { describeError } from "../api/client";
import { useApi } from "../session";
import { Bar, MetricTiles, PeriodSwitch, RateBars, duration, number, percent } from "./charts";
import type { ConversationAnalyticsOut, FlowMetrics, Period } from "./types";
import { PERIODS } from "./types";

/** The flows, the busiest first. */
function byVolume(flows: FlowMetrics[]): FlowMetrics[] {
  return [...flows].sort((a, b) => b.total_conversations - a.total_conversations);
}

function flowLabel(f: FlowMetrics): string {
  return f.flow_id ? f.flow_name || "Unnamed flow" : "No flow";
}

function ByFlow({ flows }: { flows: FlowMetrics[] }) {
  if (flows.length === 0) return <p className="empty-note">No conversation in this period.</p>;
  const rows = byVolume(flows);
  // Every bar on the scale of the busiest flow, so bars compare across rows.
  const max = Math.max(...rows.map((f) => f.total_conversations), 1);
  return (
    <div className="table-scroll">
      <table className="data-table" aria-label="Conversations by flow">
        <thead>
          <tr>
            <th scope="col">Flow</th>
            <th scope="col" className="num">
              Conversations
            </th>
            <th scope="col" className="hide-narrow">
              <span className="sr-only">Compared with the busiest flow</span>
            </th>
            <th scope="col" className="num">
              Completed
            </th>
            <th scope="col" className="num">
              Handed off
            </th>
            <th scope="col" className="num hide-narrow">
              Messages
            </th>
            <th scope="col" className="num hide-narrow">
              Duration
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((f) => (
            <tr key={f.flow_id ?? "none"}>
              <th scope="row">
                {f.flow_id ? (
                  <Link to={`/flows/${encodeURIComponent(f.flow_id)}`}>{f.flow_name || "Unnamed flow"}</Link>
                ) : (
                  <span className="muted">No flow</span>
                )}
              </th>
              <td className="num">{number(f.total_conversations)}</td>
              <td className="bar-cell hide-narrow" title={`${percent((f.total_conversations / max) * 100)} of the busiest flow`}>
                <Bar value={f.total_conversations} max={max} />
              </td>
              <td className="num">{percent(f.completion_rate_percent)}</td>
              <td className="num">{percent(f.handoff_rate_percent)}</td>
              <td className="num hide-narrow">{number(f.avg_messages_per_conversation, 1)}</td>
              <td className="num hide-narrow">{duration(f.avg_conversation_duration_minutes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** /console/analytics: the organization's conversation metrics, overall and per flow. */
export function AnalyticsPage() {
  const api = useApi();
  const [period, setPeriod] = useState<Period>("7d");
  const query = useQuery({
    queryKey: ["analytics", "conversations", period],
    queryFn: ({ signal }) =>
      api.get<ConversationAnalyticsOut>("/analytics/conversations", { period }, signal),
    placeholderData: (previous) => previous,
  });
  const data = query.data;
  const long = PERIODS.find((p) => p.id === period)?.long ?? period;
  return (
    <main className="analytics-page" aria-label="Analytics">
      <div className="analytics-inner">
        <div className="page-head">
          <div>
            <h1>Analytics</h1>
            <p className="page-sub">Conversations started in {long}.</p>
          </div>
          <PeriodSwitch value={period} onChange={setPeriod} />
        </div>
        {query.isError && (
          <p className="callout callout-error" role="alert">
            {describeError(query.error)}
          </p>
        )}
        {query.isPending ? (
          <div className="card" role="status" aria-label="Loading analytics">
            <span className="skeleton skeleton-line" />
            <span className="skeleton skeleton-line short" />
          </div>
        ) : data ? (
          <>
            <section className="card" aria-labelledby="org-metrics">
              <h2 id="org-metrics">All conversations</h2>
              <MetricTiles metrics={data.metrics} />
            </section>
            <section className="card" aria-labelledby="by-flow">
              <h2 id="by-flow">By flow</h2>
              <ByFlow flows={data.by_flow} />
            </section>
            {data.by_flow.length > 0 && (
              <section className="card" aria-labelledby="rates-title">
                <h2 id="rates-title">Completion and handoff rate by flow</h2>
                <RateBars
                  label="Completion and handoff rate by flow"
                  rows={byVolume(data.by_flow).map((f) => ({
                    key: f.flow_id ?? "none",
                    label: flowLabel(f),
                    completion: f.completion_rate_percent,
                    handoff: f.handoff_rate_percent,
                  }))}
                />
              </section>
            )}
          </>
        ) : null}
      </div>
    </main>
  );
}
