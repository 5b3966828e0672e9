import { useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import { useApi } from "../../session";
import type { PanelProps, SimCall, SimInput, SimMessage, SimTimer, SimulateIn, SimulateOut } from "../contract";
import { pathOverlay } from "./heat";
import type { Entry, Run, SimError } from "./sim";
import { EMPTY_RUN, advance, describeMessage, inSeconds, show, simError } from "./sim";
import "../../analytics/analytics.css";
import "./panels.css";

function Choices({ message, live, onPick }: { message: SimMessage; live: boolean; onPick(input: SimInput): void }) {
  const rows = (message.list?.sections ?? []).flatMap((s) => s.rows.map((r) => ({ ...r, section: s.title })));
  if (message.buttons.length === 0 && rows.length === 0) return null;
  if (!live) {
    // An earlier message's choices: shown, no longer offered (the engine waits on the last one).
    return (
      <ul className="choices">
        {message.buttons.map((b) => (
          <li key={b.id}>{b.title}</li>
        ))}
        {rows.map((r) => (
          <li key={r.id}>{r.title}</li>
        ))}
      </ul>
    );
  }
  return (
    <div className="sim-choices">
      {message.buttons.map((b) => (
        <button key={b.id} type="button" className="sim-choice" onClick={() => onPick({ kind: "button", id: b.id, title: b.title })}>
          {b.title}
        </button>
      ))}
      {rows.length > 0 && message.list?.button && <span className="sim-list-label">{message.list.button}</span>}
      {rows.map((r) => (
        <button
          key={r.id}
          type="button"
          className="sim-choice sim-row"
          title={r.description || undefined}
          onClick={() => onPick({ kind: "list", id: r.id, title: r.title })}
        >
          <span>{r.title}</span>
          {r.description && (
            <span className="sim-row-desc" aria-hidden="true">
              {r.description}
            </span>
          )}
        </button>
      ))}
    </div>
  );
}

function Bubble({ entry, live, onPick }: { entry: Entry; live: boolean; onPick(input: SimInput): void }) {
  if (entry.who === "note") {
    return (
      <li className="sim-note">
        <span>{entry.text}</span>
      </li>
    );
  }
  if (entry.who === "contact") {
    return (
      <li className="msg msg-contact msg-first sim-from-contact" data-testid="sim-contact-message">
        <div className="bubble">
          <span className="bubble-text">{entry.text}</span>
        </div>
      </li>
    );
  }
  const m = entry.message;
  const described = describeMessage(m);
  return (
    <li className="msg msg-bot msg-first sim-from-bot" data-testid="sim-bot-message">
      {m.node_id && (
        <span className="author author-node" title={`Sent by node ${m.node_id}`}>
          {m.node_id}
        </span>
      )}
      <div className="bubble">
        {described && <span className="bubble-kicker">{described}</span>}
        {m.text && <div className="bubble-text">{m.text}</div>}
        {!m.text && !described && <span className="notice">({m.type} message)</span>}
        <Choices message={m} live={live} onPick={onPick} />
      </div>
    </li>
  );
}

function Status({ out }: { out: SimulateOut }) {
  if (out.status === "closed") {
    return (
      <p className="sim-status sim-status-closed" role="status">
        Closed{out.close_reason ? `: ${out.close_reason}` : ""}
      </p>
    );
  }
  if (out.status === "handoff") {
    return (
      <p className="sim-status sim-status-paused" role="status">
        Paused for an agent: the bot answers nothing until the conversation is resumed.
      </p>
    );
  }
  return (
    <p className="sim-status sim-status-active" role="status">
      {out.current_node_id ? `Waiting at ${out.current_node_id}` : "Waiting for the contact"}
    </p>
  );
}

function Variables({ variables, changed }: { variables: Record<string, unknown>; changed: Set<string> }) {
  const names = Object.keys(variables).sort();
  const removed = [...changed].filter((k) => !(k in variables)).sort();
  return (
    <table className="data-table sim-vars" aria-label="Variables">
      <thead>
        <tr>
          <th scope="col">Variable</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {names.length + removed.length === 0 && (
          <tr>
            <td colSpan={2} className="muted">
              None yet
            </td>
          </tr>
        )}
        {names.map((k) => (
          <tr key={k} className={changed.has(k) ? "is-changed" : undefined}>
            <th scope="row">
              {k}
              {changed.has(k) && <span className="change-mark"> changed</span>}
            </th>
            <td className="sim-value">{show(variables[k])}</td>
          </tr>
        ))}
        {removed.map((k) => (
          <tr key={k} className="is-changed is-removed">
            <th scope="row">
              {k}
              <span className="change-mark"> removed</span>
            </th>
            <td className="sim-value">–</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Calls({ calls }: { calls: SimCall[] }) {
  return (
    <ul className="sim-calls" aria-label="HTTP calls">
      {calls.map((c, i) => (
        <li key={i} className={c.made ? (c.error ? "is-error" : "") : "is-skipped"}>
          <span className="sim-call-line">
            <span className="code">{c.method}</span> {c.url}
          </span>
          <span className="sim-call-result">
            {!c.made
              ? `Skipped${c.error ? `: ${c.error}` : " (HTTP calls are off)"}`
              : c.error
                ? `Failed: ${c.error}`
                : `HTTP ${c.status ?? "?"}`}
            {c.node_id && ` · ${c.node_id}`}
          </span>
        </li>
      ))}
    </ul>
  );
}

function Timers({ timers, busy, onFire }: { timers: SimTimer[]; busy: boolean; onFire(t: SimTimer): void }) {
  return (
    <ul className="sim-timers" aria-label="Pending timers">
      {timers.map((t) => (
        <li key={t.timer_id}>
          <span>
            <strong>{t.kind}</strong> in {inSeconds(t.in_seconds)}
            {t.node_id && <span className="muted"> · {t.node_id}</span>}
          </span>
          <button type="button" className="btn btn-secondary btn-sm" disabled={busy} onClick={() => onFire(t)}>
            Fast-forward {t.kind}
          </button>
        </li>
      ))}
    </ul>
  );
}

function Problem({ error }: { error: SimError }) {
  return (
    <div className="callout callout-error sim-error" role="alert">
      <p>{error.message}</p>
      {error.issues.length > 0 && (
        <ul aria-label="Flow errors">
          {error.issues.map((i, n) => (
            <li key={n}>
              {[i.node_id, i.field].filter(Boolean).join(" · ")}
              {(i.node_id || i.field) && ": "}
              {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Beside the canvas: talk to the flow as a contact would, through the executor's own engine. */
export function SimulatorPanel({ flowId, version, document, onOverlay }: PanelProps) {
  const api = useApi();
  const [run, setRun] = useState<Run>(EMPTY_RUN);
  const [allowHttp, setAllowHttp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<SimError | null>(null);
  const [text, setText] = useState("");
  const runRef = useRef(run);
  runRef.current = run;
  const overlay = useRef(onOverlay);
  overlay.current = onOverlay;
  const alive = useRef(true);
  const logEnd = useRef<HTMLLIElement>(null);
  const hintId = useId();

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      overlay.current(null);
    };
  }, []);

  // Another flow or version is another conversation.
  useEffect(() => {
    setRun(EMPTY_RUN);
    setError(null);
    overlay.current(null);
  }, [flowId, version]);

  useEffect(() => {
    logEnd.current?.scrollIntoView?.({ block: "nearest" });
  }, [run.entries.length]);

  const send = async (input: SimInput, timerKind?: string) => {
    const body: SimulateIn = {
      version,
      document: version === null ? document : null,
      state: input.kind === "start" ? null : runRef.current.state,
      input,
      allow_http: allowHttp,
    };
    setBusy(true);
    setError(null);
    try {
      const out = await api.post<SimulateOut>(`/flows/${encodeURIComponent(flowId)}/simulate`, body);
      if (!alive.current) return;
      const next = advance(runRef.current, input, out, timerKind);
      runRef.current = next;
      setRun(next);
      overlay.current(pathOverlay(out.current_node_id, next.visited));
    } catch (exc) {
      if (!alive.current) return;
      setError(simError(exc));
    } finally {
      if (alive.current) setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    if (!value || busy || !run.last) return;
    setText("");
    void send({ kind: "text", text: value });
  };

  const last = run.last;
  const lastTurn = run.turn;
  const events = last?.events ?? [];
  return (
    <section className="panel simulator" aria-label="Simulator">
      <div className="panel-head">
        <h2>Simulator</h2>
        <button type="button" className="btn btn-primary btn-sm" disabled={busy} onClick={() => void send({ kind: "start" })}>
          {last ? "Restart" : "Start"}
        </button>
      </div>
      <div className="sim-http">
        <label className="check">
          <input type="checkbox" checked={allowHttp} aria-describedby={hintId} onChange={(e) => setAllowHttp(e.target.checked)} />
          <span>Allow HTTP calls</span>
        </label>
        <p id={hintId} className="panel-note">
          {allowHttp
            ? "api_call and webhook nodes call their URL for real."
            : "Off: api_call and webhook nodes make no call and get an error result instead."}
        </p>
      </div>
      {error && <Problem error={error} />}
      <div className="sim-chat">
        {run.entries.length === 0 ? (
          <p className="empty-note">
            {version === null ? "Start runs the draft as it is on the canvas, unsaved edits included." : `Start runs version ${version}.`}
          </p>
        ) : (
          <ol className="messages sim-log" aria-label="Simulated conversation">
            {run.entries.map((entry) => (
              <Bubble
                key={entry.id}
                entry={entry}
                live={entry.turn === lastTurn && (last?.status === "active" || last?.status === "waiting") && !busy}
                onPick={(input) => void send(input)}
              />
            ))}
            <li ref={logEnd} aria-hidden="true" className="sim-end" />
          </ol>
        )}
      </div>
      <form className="sim-compose" onSubmit={submit}>
        <input
          aria-label="Message"
          placeholder={last ? "Answer as the contact" : "Start first"}
          value={text}
          disabled={!last}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="btn btn-primary btn-sm" disabled={!last || busy || !text.trim()}>
          Send
        </button>
      </form>
      {last && (
        <div className="sim-facts">
          <Status out={last} />
          {last.timers.length > 0 && (
            <>
              <h3 className="section-title">Timers</h3>
              <Timers timers={last.timers} busy={busy} onFire={(t) => void send({ kind: "timer", timer_id: t.timer_id }, t.kind)} />
            </>
          )}
          <h3 className="section-title">Variables</h3>
          <Variables variables={last.variables} changed={run.changed} />
          {last.calls.length > 0 && (
            <>
              <h3 className="section-title">HTTP calls</h3>
              <Calls calls={last.calls} />
            </>
          )}
          <details className="sim-events">
            <summary>Events of the last input ({events.length})</summary>
            <ol aria-label="Events">
              {events.map((ev, i) => (
                <li key={i}>
                  <span className="code">{ev.type}</span> {ev.summary}
                </li>
              ))}
            </ol>
          </details>
        </div>
      )}
    </section>
  );
}
