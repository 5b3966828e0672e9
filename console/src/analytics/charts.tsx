// Small charts drawn with plain SVG and CSS (no chart library): the period switch, the
// conversation metric tiles, horizontal bars and the delivery funnel.

import type { Delivery, Metrics, Period } from "./types";
import { PERIODS } from "./types";
import "./analytics.css";

export function PeriodSwitch({ value, onChange }: { value: Period; onChange(p: Period): void }) {
  return (
    <div className="period-switch" role="group" aria-label="Period">
      {PERIODS.map((p) => (
        <button
          key={p.id}
          type="button"
          className={`period-btn ${p.id === value ? "is-on" : ""}`}
          aria-pressed={p.id === value}
          title={`Conversations started in ${p.long}`}
          onClick={() => onChange(p.id)}
        >
          {p.label}
        </button>
      ))}
    </div>
  );
}

export function number(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return n.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function percent(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "–" : `${number(n, 1)}%`;
}

export function duration(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes <= 0) return "–";
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes < 90) return `${number(minutes, 1)} min`;
  return `${number(minutes / 60, 1)} h`;
}

export function millis(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "–";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${number(ms / 1000, 2)} s`;
}

function Tile({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="tile">
      <dt>{label}</dt>
      <dd>
        <span className="tile-value">{value}</span>
        {note && <span className="tile-note">{note}</span>}
      </dd>
    </div>
  );
}

export function MetricTiles({ metrics, label = "Conversation metrics" }: { metrics: Metrics; label?: string }) {
  const m = metrics;
  const latency = m.first_response_latency_ms;
  return (
    <dl className="tiles" aria-label={label}>
      <Tile label="Conversations" value={number(m.total_conversations)} note={`${number(m.unique_contacts)} contacts`} />
      <Tile
        label="Completed"
        value={percent(m.completion_rate_percent)}
        note={`${number(m.completed_conversations)} reached an end`}
      />
      <Tile
        label="Handed off"
        value={percent(m.handoff_rate_percent)}
        note={`${number(m.handoff_conversations)} to a human`}
      />
      <Tile label="Messages" value={number(m.avg_messages_per_conversation, 1)} note="per conversation" />
      <Tile label="Duration" value={duration(m.avg_conversation_duration_minutes)} note="on average" />
      <Tile
        label="First reply"
        value={millis(latency.p50)}
        note={latency.samples > 0 ? `p95 ${millis(latency.p95)}` : "no samples"}
      />
    </dl>
  );
}

/** A horizontal bar, its length the share of `max`. */
export function Bar({ value, max, tone = "accent" }: { value: number; max: number; tone?: string }) {
  const share = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  return (
    <svg
      className={`bar bar-${tone}`}
      viewBox="0 0 100 8"
      preserveAspectRatio="none"
      aria-hidden="true"
      data-share={Math.round(share * 1000) / 1000}
    >
      <rect className="bar-track" x="0" y="0" width="100" height="8" rx="2" />
      {share > 0 && <rect className="bar-fill" x="0" y="0" width={Math.max(1, share * 100)} height="8" rx="2" />}
    </svg>
  );
}

export interface RateRow {
  key: string;
  label: string;
  completion: number;
  handoff: number;
}

/** Completion and handoff rate per row, as pairs of horizontal bars on one 0–100% scale. */
export function RateBars({ rows, label }: { rows: RateRow[]; label: string }) {
  return (
    <div className="rates">
      <ul className="rates-legend" aria-hidden="true">
        <li className="rates-key rates-key-completion">Completed</li>
        <li className="rates-key rates-key-handoff">Handed off</li>
      </ul>
      <ul className="rates-list" aria-label={label}>
        {rows.map((r) => (
          <li key={r.key} className="rates-row">
            <span className="rates-name" title={r.label}>
              {r.label}
            </span>
            <span className="rates-bars">
              <span className="rates-bar">
                <span className="sr-only">Completed </span>
                <Bar value={r.completion} max={100} tone="completion" />
                <span className="rates-value">{percent(r.completion)}</span>
              </span>
              <span className="rates-bar">
                <span className="sr-only">, handed off </span>
                <Bar value={r.handoff} max={100} tone="handoff" />
                <span className="rates-value">{percent(r.handoff)}</span>
              </span>
            </span>
          </li>
        ))}
      </ul>
      <div className="rates-axis" aria-hidden="true">
        <span>0%</span>
        <span>50%</span>
        <span>100%</span>
      </div>
    </div>
  );
}

const STAGES = [
  ["queued", "Queued", null],
  ["accepted", "Accepted by Meta", "accepted_rate_percent"],
  ["delivered", "Delivered", "delivered_rate_percent"],
  ["read", "Read", "read_rate_percent"],
] as const;

/** queued → accepted → delivered → read, each with its rate of the queued; failures by code. */
export function DeliveryFunnel({ delivery }: { delivery: Delivery }) {
  const d = delivery;
  const max = Math.max(d.queued, d.accepted, d.delivered, d.read, 1);
  return (
    <div className="delivery">
      <table className="funnel-table" aria-label="Delivery funnel">
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col" className="num">
              Messages
            </th>
            <th scope="col" className="num">
              Rate
            </th>
            <th scope="col">
              <span className="sr-only">Bar</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {STAGES.map(([key, label, rate]) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td className="num">{number(d[key])}</td>
              <td className="num">{rate ? percent(d[rate]) : ""}</td>
              <td className="bar-cell">
                <Bar value={d[key]} max={max} tone={key} />
              </td>
            </tr>
          ))}
          <tr className="funnel-failed">
            <th scope="row">Failed</th>
            <td className="num">{number(d.failed)}</td>
            <td className="num">{percent(d.failed_rate_percent)}</td>
            <td className="bar-cell">
              <Bar value={d.failed} max={max} tone="failed" />
            </td>
          </tr>
        </tbody>
      </table>
      {d.failures_by_code.length > 0 && (
        <div className="failures">
          <h4>Failures by code</h4>
          <ul aria-label="Failures by code">
            {d.failures_by_code.map((f) => (
              <li key={String(f.code)}>
                <span className="code">{f.code === null ? "No code" : f.code}</span>
                <span className="num">{number(f.count)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
