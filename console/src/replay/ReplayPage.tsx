import { useMutation, useQuery } from "@tanstack/react-query";
import { Fragment, useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { describeError } from "../api/client";
import { phoneLabel } from "../format";
import { FlowCanvas } from "../flow/editor/FlowCanvas";
import type { FlowVersionOut, FlowVersionsOut, ReplayOut, ReplayStep, RerunOut } from "../flow/contract";
import { show } from "../flow/panels/sim";
import { useApi } from "../session";
import { MAIN_FIELDS, activeNode, clampStep, displayValue, fieldOf, stateBefore, stateRows, visitedUpTo } from "./replay";
import type { Change, StateRow } from "./replay";
import "../analytics/analytics.css";
import "./replay.css";

const CHANGE_LABEL: Record<Change, string> = { same: "", changed: "changed", added: "new", removed: "removed" };

function when(iso: string | null): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function StateRowView({ row }: { row: StateRow }) {
  return (
    <tr className={row.change === "same" ? undefined : `is-changed is-${row.change}`}>
      <th scope="row">{row.key}</th>
      <td className="state-value">{row.change === "removed" ? "–" : displayValue(row.key, row.value, show)}</td>
      <td className="state-change">
        {CHANGE_LABEL[row.change]}
        {row.change === "changed" && <span className="state-before"> (was {displayValue(row.key, row.before, show)})</span>}
      </td>
    </tr>
  );
}

function StateHead() {
  return (
    <thead>
      <tr>
        <th scope="col">Field</th>
        <th scope="col">Value</th>
        <th scope="col">Change</th>
      </tr>
    </thead>
  );
}

function StateTable({ before, after }: { before: Record<string, unknown> | null; after: Record<string, unknown> }) {
  const rows = stateRows(before, after);
  const main = rows.filter((r) => r.main);
  const rest = rows.filter((r) => !r.main);
  const hasVariables = main.some((r) => r.key.startsWith("variables."));
  // With no variable, a "none" row stands where the variables go.
  const order = (key: string) => (MAIN_FIELDS as readonly string[]).indexOf(fieldOf(key));
  const at = main.findIndex((r) => order(r.key) > order("variables"));
  const noVariables = (
    <tr key="variables" className="state-none">
      <th scope="row">variables</th>
      <td className="state-value">none</td>
      <td className="state-change" />
    </tr>
  );
  const restChanged = rest.filter((r) => r.change !== "same").length;
  return (
    <>
      <table className="data-table state-table" aria-label="State after step">
        <StateHead />
        <tbody>
          {main.map((r, i) => (
            <Fragment key={r.key}>
              {!hasVariables && i === at && noVariables}
              <StateRowView row={r} />
            </Fragment>
          ))}
          {!hasVariables && at === -1 && noVariables}
        </tbody>
      </table>
      {rest.length > 0 && (
        <details className="state-more">
          <summary>
            All fields
            <span className="state-more-note">
              {" "}
              · {rest.length} more{restChanged > 0 ? `, ${restChanged} changed` : ""}
            </span>
          </summary>
          <table className="data-table state-table" aria-label="Other fields of the state">
            <StateHead />
            <tbody>
              {rest.map((r) => (
                <StateRowView key={r.key} row={r} />
              ))}
            </tbody>
          </table>
        </details>
      )}
    </>
  );
}

function Canvas({ flowId, version, step, visited }: { flowId: string; version: number; step: ReplayStep | undefined; visited: string[] }) {
  const api = useApi();
  const query = useQuery({
    queryKey: ["flow-version", flowId, version],
    queryFn: ({ signal }) => api.get<FlowVersionOut>(`/flows/${encodeURIComponent(flowId)}/versions/${version}`, undefined, signal),
    staleTime: Infinity,
  });
  const overlay = useMemo(() => ({ activeNodeId: activeNode(step), visitedNodeIds: visited }), [step, visited]);
  if (query.isError) {
    return (
      <p className="callout callout-error" role="alert">
        Cannot show version {version} of the flow: {describeError(query.error)}
      </p>
    );
  }
  if (!query.data) return <div className="replay-canvas-empty" role="status" aria-label="Loading the flow" />;
  const { canvas_data, variables } = query.data;
  return (
    <div className="replay-canvas">
      <FlowCanvas document={{ canvas_data, variables }} readOnly overlay={overlay} />
    </div>
  );
}

function Rerun({ flowId, phone, number, conversationId }: { flowId: string; phone: string; number: string; conversationId: string }) {
  const api = useApi();
  const versions = useQuery({
    queryKey: ["flow-versions", flowId],
    queryFn: ({ signal }) => api.get<FlowVersionsOut>(`/flows/${encodeURIComponent(flowId)}/versions`, undefined, signal),
  });
  const [picked, setPicked] = useState<number | null>(null);
  const list = [...(versions.data?.versions ?? [])].sort((a, b) => b.version - a.version);
  const version = picked ?? list[0]?.version ?? null;
  const rerun = useMutation({
    mutationFn: (v: number) =>
      api.post<RerunOut>(`/conversations/${encodeURIComponent(phone)}/rerun`, undefined, {
        number,
        version: v,
        conversation_id: conversationId,
      }),
  });
  const out = rerun.data;
  const first = out?.rows.find((r) => r.n === out.first_divergence);
  return (
    <section className="card rerun" aria-labelledby="rerun-title">
      <h2 id="rerun-title">Re-run on version {version ?? "…"}</h2>
      <p className="page-sub">
        The contact’s recorded inputs go through another version; the messages it would have sent are compared with the recorded ones.
      </p>
      <div className="rerun-tools">
        <select aria-label="Version" value={version ?? ""} disabled={list.length === 0} onChange={(e) => setPicked(Number(e.target.value))}>
          {list.map((v) => (
            <option key={v.version} value={v.version}>
              Version {v.version}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn-primary btn-sm"
          disabled={version === null || rerun.isPending}
          onClick={() => version !== null && rerun.mutate(version)}
        >
          {rerun.isPending ? "Re-running…" : "Re-run"}
        </button>
      </div>
      {versions.isError && (
        <p className="callout callout-error" role="alert">
          {describeError(versions.error)}
        </p>
      )}
      {rerun.isError && (
        <p className="callout callout-error" role="alert">
          {describeError(rerun.error)}
        </p>
      )}
      {out && (
        <>
          {out.first_divergence === null ? (
            <p className="callout callout-info" role="status">
              No divergence: {out.target_flow} sends the same messages as {out.recorded_flow} did.
            </p>
          ) : (
            <p className="callout callout-warn" role="status">
              First divergence at command {out.first_divergence}
              {first ? ` (${first.command})` : ""}
              {first?.note ? `: ${first.note}` : ""}.
            </p>
          )}
          <div className="table-scroll">
            <table className="data-table rerun-table" aria-label="Re-run comparison">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    #
                  </th>
                  <th scope="col">Command</th>
                  <th scope="col">Recorded ({out.recorded_flow})</th>
                  <th scope="col">Re-run ({out.target_flow})</th>
                </tr>
              </thead>
              <tbody>
                {out.rows.map((r) => (
                  <tr
                    key={r.n}
                    className={`${r.same ? "" : "is-diff"} ${r.n === out.first_divergence ? "is-first" : ""}`}
                    aria-label={r.same ? undefined : `Command ${r.n} differs`}
                  >
                    <td className="num">{r.n}</td>
                    <th scope="row">
                      {r.command}
                      {!r.same && <span className="diff-mark">differs</span>}
                      {r.note && <span className="rerun-note">{r.note}</span>}
                    </th>
                    <td>
                      <Lines lines={r.recorded} />
                    </td>
                    <td>
                      <Lines lines={r.rerun} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function Lines({ lines }: { lines: string[] }) {
  if (lines.length === 0) return <span className="muted">nothing sent</span>;
  return (
    <ul className="rerun-lines">
      {lines.map((l, i) => (
        <li key={i}>{l}</li>
      ))}
    </ul>
  );
}

/** /console/replay/:number/:phone?conversation=: a recorded conversation, step by step. */
export function ReplayPage() {
  const api = useApi();
  const { number = "", phone: rawPhone = "" } = useParams();
  const phone = rawPhone.replace(/^\+/, "");
  const [params, setParams] = useSearchParams();
  const conversation = params.get("conversation") ?? undefined;
  const query = useQuery({
    queryKey: ["replay", number, phone, conversation ?? null],
    queryFn: ({ signal }) =>
      api.get<ReplayOut>(`/conversations/${encodeURIComponent(phone)}/replay`, { number, conversation_id: conversation }, signal),
    enabled: Boolean(phone),
    retry: false,
  });
  const data = query.data;
  const steps = data?.steps ?? [];
  const [selected, setSelected] = useState(0);
  const stepRefs = useRef<(HTMLButtonElement | null)[]>([]);

  useEffect(() => setSelected(0), [data?.conversation_id]);

  const go = (index: number, focus = false) => {
    if (steps.length === 0) return;
    const next = clampStep(index, steps.length);
    setSelected(next);
    if (focus) stepRefs.current[next]?.focus();
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
      if (target?.closest?.(".react-flow")) return;
      if (e.key === "ArrowDown" || e.key === "ArrowRight") {
        e.preventDefault();
        setSelected((s) => clampStep(s + 1, steps.length));
      } else if (e.key === "ArrowUp" || e.key === "ArrowLeft") {
        e.preventDefault();
        setSelected((s) => clampStep(s - 1, steps.length));
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [steps.length]);

  useEffect(() => {
    const el = stepRefs.current[selected];
    if (el && document.activeElement?.closest?.(".replay-steps")) el.focus();
    el?.scrollIntoView?.({ block: "nearest" });
  }, [selected]);

  const step = steps[selected];
  const visited = useMemo(() => visitedUpTo(steps, selected), [steps, selected]);
  const conversations = data?.conversations ?? [];

  return (
    <main className="analytics-page replay-page" aria-label="Conversation replay">
      <div className="analytics-inner replay-inner">
        <div className="page-head">
          <div>
            <h1>Replay · {phone ? phoneLabel(phone) : "no contact"}</h1>
            <p className="page-sub">
              {data?.flow_id
                ? `Flow version ${data.flow_version ?? "?"} · ${steps.length} steps`
                : data
                  ? `${steps.length} steps · no flow recorded`
                  : "Every recorded event, and the state the engine rebuilt after it."}
            </p>
          </div>
          <div className="replay-tools">
            {conversations.length > 1 && (
              <select
                aria-label="Conversation"
                value={data?.conversation_id ?? ""}
                onChange={(e) => setParams({ conversation: e.target.value }, { replace: false })}
              >
                {conversations.map((id, i) => (
                  <option key={id} value={id}>
                    Conversation {i + 1} of {conversations.length}
                    {id === data?.conversation_id ? " (shown)" : ""} · {id.slice(0, 8)}
                  </option>
                ))}
              </select>
            )}
            <Link className="btn btn-secondary btn-sm" to={`/c/${encodeURIComponent(number)}/${encodeURIComponent(phone)}`}>
              Open in the inbox
            </Link>
          </div>
        </div>
        {query.isError && (
          <p className="callout callout-error" role="alert">
            {describeError(query.error)}
          </p>
        )}
        {query.isPending && phone ? (
          <div className="card" role="status" aria-label="Loading the replay">
            <span className="skeleton skeleton-line" />
            <span className="skeleton skeleton-line short" />
          </div>
        ) : data && steps.length === 0 ? (
          <p className="card empty-note">Nothing was recorded for this conversation.</p>
        ) : data && step ? (
          <>
            <div className="replay-grid">
              <section className="card replay-steps-card" aria-labelledby="steps-title">
                <div className="steps-head">
                  <h2 id="steps-title">
                    Step {step.n} of {steps.length}
                  </h2>
                  <div className="steps-nav">
                    <button type="button" className="btn btn-secondary btn-sm" disabled={selected === 0} onClick={() => go(selected - 1)}>
                      Previous step
                    </button>
                    <button
                      type="button"
                      className="btn btn-secondary btn-sm"
                      disabled={selected >= steps.length - 1}
                      onClick={() => go(selected + 1)}
                    >
                      Next step
                    </button>
                  </div>
                </div>
                <p className="page-sub">Arrow keys move between steps.</p>
                <ol className="replay-steps" aria-label="Steps">
                  {steps.map((s, i) => (
                    <li key={s.n}>
                      <button
                        type="button"
                        ref={(el) => {
                          stepRefs.current[i] = el;
                        }}
                        className={`step ${i === selected ? "is-selected" : ""} ${i < selected ? "is-past" : ""}`}
                        aria-current={i === selected ? "step" : undefined}
                        onClick={() => go(i)}
                      >
                        <span className="step-n">{s.n}</span>
                        <span className="step-body">
                          <span className="step-top">
                            <span className="code">{s.type}</span>
                            <time dateTime={s.at ?? undefined}>{when(s.at)}</time>
                          </span>
                          <span className="step-summary">{s.summary}</span>
                        </span>
                      </button>
                    </li>
                  ))}
                </ol>
              </section>
              <div className="replay-main">
                {data.flow_id && data.flow_version !== null && (
                  <section className="card replay-canvas-card" aria-labelledby="canvas-title">
                    <h2 id="canvas-title">
                      Flow version {data.flow_version}
                      {activeNode(step) && <span className="replay-at"> · at {activeNode(step)}</span>}
                    </h2>
                    <Canvas flowId={data.flow_id} version={data.flow_version} step={step} visited={visited} />
                  </section>
                )}
                <section className="card" aria-labelledby="state-title">
                  <h2 id="state-title">After step {step.n}</h2>
                  <p className="page-sub">
                    {step.type}
                    {step.node_id ? ` at ${step.node_id}` : ""}: {step.summary}
                  </p>
                  <StateTable before={stateBefore(steps, selected, data.key)} after={step.state} />
                </section>
              </div>
            </div>
            {data.flow_id && <Rerun flowId={data.flow_id} phone={phone} number={number} conversationId={data.conversation_id} />}
          </>
        ) : null}
      </div>
    </main>
  );
}
