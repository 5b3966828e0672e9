import type { ReactNode } from "react";
import type { ConversationDetail, Flow } from "../api/types";
import { clock, phoneLabel, secondsSince, shortWhen, waited, windowLeft } from "../format";
import { closeReason, handoffReason, priorityBadge } from "../inbox";
import { useNow } from "../useNow";

const NODE_TYPES: Record<string, string> = {
  start: "Start",
  message: "Message",
  question: "Question",
  interactive: "Buttons or list",
  condition: "Condition",
  set_variable: "Set variable",
  api_call: "API call",
  webhook: "Webhook",
  whatsapp_template: "Template",
  delay: "Delay",
  jump: "Jump",
  handoff: "Handoff to a human",
  random: "A/B split",
  end: "End",
};

export function nodeLabel(flow: Flow | undefined, nodeId: string | null): { name: string; type: string | null } {
  if (!nodeId) return { name: "—", type: null };
  const node = flow?.canvas_data?.nodes?.find((n) => n.id === nodeId);
  const label = node?.data && typeof node.data.label === "string" ? node.data.label : null;
  const type = node ? (NODE_TYPES[node.type] ?? node.type) : null;
  return { name: label || nodeId, type };
}

/** A variable's value in words: nested objects as nested lists, never JSON. */
export function Value({ value, depth = 0 }: { value: unknown; depth?: number }): ReactNode {
  if (value === null || value === undefined || value === "") return <span className="muted">empty</span>;
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "number") return value.toLocaleString();
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    if (value.every((v) => v === null || ["string", "number", "boolean"].includes(typeof v))) {
      return value.map((v) => (typeof v === "boolean" ? (v ? "Yes" : "No") : String(v ?? "—"))).join(", ");
    }
    if (depth > 3) return <span className="muted">{value.length} items</span>;
    return (
      <ol className="vars-list">
        {value.map((v, i) => (
          <li key={i}>
            <Value value={v} depth={depth + 1} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return <span className="muted">empty</span>;
    if (depth > 3) return <span className="muted">{entries.length} fields</span>;
    return <Vars entries={entries} depth={depth + 1} />;
  }
  return String(value);
}

function Vars({ entries, depth }: { entries: [string, unknown][]; depth: number }) {
  return (
    <dl className={`vars ${depth > 0 ? "vars-nested" : ""}`}>
      {entries.map(([k, v]) => (
        <div className="var" key={k}>
          <dt>{k.replace(/_/g, " ")}</dt>
          <dd>
            <Value value={v} depth={depth} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function WindowMeter({ expiresAt }: { expiresAt: string | null }) {
  const now = useNow();
  const w = windowLeft(expiresAt, now);
  const fraction = Math.max(0, Math.min(1, w.msLeft / (24 * 3600_000)));
  return (
    <div className={`window window-${w.phase}`}>
      <div className="window-top">
        <span className="window-left" aria-live="off">
          {w.text}
        </span>
        {w.phase !== "closed" && expiresAt && (
          <span className="muted">
            closes {new Date(expiresAt).toDateString() === new Date(now).toDateString() ? "" : "tomorrow "}
            at {clock(expiresAt)}
          </span>
        )}
      </div>
      <div
        className="meter"
        role="meter"
        aria-label="24-hour window left"
        aria-valuemin={0}
        aria-valuemax={24}
        aria-valuenow={Math.round(fraction * 240) / 10}
        aria-valuetext={w.text}
      >
        <span style={{ width: `${fraction * 100}%` }} />
      </div>
      <p className="window-note">
        {w.phase === "closed"
          ? "Free text cannot be sent until the contact writes again; approved templates can."
          : "Free text can be sent until then; after that, only templates."}
      </p>
    </div>
  );
}

function when(iso: string, now: number): string {
  const day = shortWhen(iso, now);
  const time = clock(iso);
  return day === time ? `Today, ${time}` : `${day}, ${time}`;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="detail-section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

export function Details({
  detail,
  flow,
  holder,
  numberName,
}: {
  detail: ConversationDetail;
  flow: Flow | undefined;
  holder: string | null;
  numberName: string;
}) {
  const now = useNow();
  const c = detail.conversation;
  const state = detail.current_state;
  const node = nodeLabel(flow, state.current_node_id);
  const vars = Object.entries(state.variables ?? {});
  const path = state.execution_path.slice(-6);
  const badge = priorityBadge(c.handoff_priority);
  return (
    <aside className="details" aria-label="Conversation details">
      <Section title="24-hour window">
        <WindowMeter expiresAt={detail.window.expires_at} />
      </Section>

      {c.status === "handoff" && (
        <Section title="Handoff">
          <dl className="facts">
            <div>
              <dt>Priority</dt>
              <dd>
                <span className={`badge badge-${badge.tone}`}>{badge.label}</span>
              </dd>
            </div>
            <div>
              <dt>Waiting</dt>
              <dd>{c.handoff_at ? `${waited(secondsSince(c.handoff_at, now))} (since ${clock(c.handoff_at)})` : "—"}</dd>
            </div>
            <div>
              <dt>Why</dt>
              <dd>{handoffReason(c.handoff_reason)}</dd>
            </div>
            {c.handoff_context && (
              <div>
                <dt>Context</dt>
                <dd>{c.handoff_context}</dd>
              </div>
            )}
          </dl>
        </Section>
      )}

      <Section title="Assignment">
        <p className="detail-line">
          {holder ? (
            <>
              Assigned to <strong>{holder}</strong>
              {c.assigned_at && <span className="muted"> since {clock(c.assigned_at)}</span>}
            </>
          ) : (
            <span className="muted">Nobody has taken it.</span>
          )}
        </p>
      </Section>

      <Section title="Flow">
        <dl className="facts">
          <div>
            <dt>Flow</dt>
            <dd>
              {c.flow_name ?? "—"}
              {state.flow.version != null && <span className="muted"> · v{state.flow.version}</span>}
            </dd>
          </div>
          <div>
            <dt>Current step</dt>
            <dd>
              {node.name}
              {node.type && <span className="muted"> · {node.type}</span>}
            </dd>
          </div>
          {c.status === "closed" && (
            <div>
              <dt>Ended</dt>
              <dd>{closeReason(c.close_reason)}</dd>
            </div>
          )}
        </dl>
        {path.length > 0 && (
          <ol className="path" aria-label="Steps so far">
            {state.execution_path.length > path.length && <li className="muted">…</li>}
            {path.map((p, i) => (
              <li key={`${p}-${i}`}>{p}</li>
            ))}
          </ol>
        )}
      </Section>

      <Section title="Variables">
        {vars.length === 0 ? <p className="muted detail-line">No variables collected yet.</p> : <Vars entries={vars} depth={0} />}
      </Section>

      <Section title="Contact">
        <dl className="facts">
          <div>
            <dt>Phone</dt>
            <dd>{phoneLabel(c.phone)}</dd>
          </div>
          <div>
            <dt>Number</dt>
            <dd>{numberName}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{when(c.started_at, now)}</dd>
          </div>
          <div>
            <dt>Messages</dt>
            <dd>
              {c.messages_in} in · {c.messages_out} out
            </dd>
          </div>
        </dl>
      </Section>
    </aside>
  );
}
