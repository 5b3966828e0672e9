// The analytics endpoints' shapes as the console reads them
// (services/analytics/src/pytake_analytics/api/analytics.py).

export type Period = "24h" | "7d" | "30d" | "all";

export const PERIODS: { id: Period; label: string; long: string }[] = [
  { id: "24h", label: "24 h", long: "the last 24 hours" },
  { id: "7d", label: "7 d", long: "the last 7 days" },
  { id: "30d", label: "30 d", long: "the last 30 days" },
  { id: "all", label: "All", long: "all time" },
];

export interface Latency {
  samples: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
}

export interface Metrics {
  total_conversations: number;
  completed_conversations: number;
  completion_rate_percent: number;
  avg_messages_per_conversation: number;
  avg_conversation_duration_minutes: number;
  handoff_conversations: number;
  handoff_rate_percent: number;
  unique_contacts: number;
  first_response_latency_ms: Latency;
}

export interface FlowMetrics extends Metrics {
  flow_id: string | null;
  flow_name: string | null;
}

/** GET /analytics/conversations?period= */
export interface ConversationAnalyticsOut {
  period: Period;
  since: string | null;
  metrics: Metrics;
  by_flow: FlowMetrics[];
}

export interface NodeFunnel {
  node_id: string;
  node_type: string;
  entered: number;
  visits: number;
  left: number;
  stopped_here: number;
  still_here: number;
  completed_here: number;
  dropped_here: number;
  drop_off_rate_percent: number;
}

export interface Delivery {
  flow_id: string;
  flow_version: number | null;
  period: Period;
  queued: number;
  accepted: number;
  delivered: number;
  read: number;
  failed: number;
  accepted_rate_percent: number;
  delivered_rate_percent: number;
  read_rate_percent: number;
  failed_rate_percent: number;
  failures_by_code: { code: number | null; count: number }[];
}

/** GET /whatsapp-analytics/flows/{id}/report?period=&version= */
export interface FlowReportOut {
  flow_id: string;
  flow_version: number | null;
  period: Period;
  metrics: Metrics;
  nodes: NodeFunnel[];
  delivery: Delivery;
}

/** Where the per-flow report is served (the analytics service's original path). */
export function flowReportPath(flowId: string): string {
  return `/whatsapp-analytics/flows/${encodeURIComponent(flowId)}/report`;
}
