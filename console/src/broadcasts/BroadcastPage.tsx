// /broadcasts/:id: one broadcast's progress and counts (refreshed while it runs), pause,
// resume and cancel (writers), and every recipient's outcome, paged.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { describeError } from "../api/client";
import { Pager } from "../components/Pager";
import { useApi, useSession } from "../session";
import { Legend, ProgressBar } from "./parts";
import { broadcastStatus, isLive, outcomeOf, progressOf } from "./types";
import type { Broadcast, RecipientPage } from "./types";
import "../analytics/analytics.css";
import "./broadcasts.css";

/** How often a running broadcast is read again. */
export const POLL_MS = 3000;
const PER_PAGE = 50;

const COUNTS: { key: keyof Broadcast["counts"]; label: string }[] = [
  { key: "pending", label: "Not sent yet" },
  { key: "queued", label: "Queued" },
  { key: "accepted", label: "Accepted" },
  { key: "sent", label: "Sent" },
  { key: "delivered", label: "Delivered" },
  { key: "read", label: "Read" },
  { key: "failed", label: "Failed" },
  { key: "skipped", label: "Skipped (opted out)" },
  { key: "cancelled", label: "Cancelled" },
];

type Move = "pause" | "resume" | "cancel";

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "";
}

function Recipients({ id, live }: { id: string; live: boolean }) {
  const api = useApi();
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ["broadcasts", "recipients", id, page],
    queryFn: ({ signal }) =>
      api.get<RecipientPage>(`/broadcasts/${encodeURIComponent(id)}/recipients`, { page, per_page: PER_PAGE }, signal),
    placeholderData: (previous) => previous,
    refetchInterval: live ? POLL_MS : false,
  });
  const data = list.data;
  return (
    <section className="card" aria-labelledby="recipients-title">
      <h2 id="recipients-title">Recipients</h2>
      {list.isError && (
        <p className="callout callout-error" role="alert">
          {describeError(list.error)}
        </p>
      )}
      {data && (
        <>
          <div className="table-scroll">
            <table className="data-table" aria-label="Recipients">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    #
                  </th>
                  <th scope="col">Phone</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Why</th>
                  <th scope="col" className="hide-narrow">
                    Last change
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.recipients.map((r) => {
                  const o = outcomeOf(r.outcome);
                  const last = r.read ?? r.delivered ?? r.accepted ?? r.queued_at;
                  return (
                    <tr key={r.position}>
                      <td className="num muted">{r.position + 1}</td>
                      <th scope="row">
                        <span className="mono">+{r.wa_id}</span>
                      </th>
                      <td>
                        <span className={`status-badge tone-bg-${o.tone}`}>{o.label}</span>
                      </td>
                      <td>
                        {r.error_code !== null && <span className="mono">#{r.error_code}</span>}
                        {r.error_reason && <span className="cell-note">{r.error_reason}</span>}
                        {r.skip_reason && <span className="cell-note">{r.skip_reason.replace(/_/g, " ")}</span>}
                      </td>
                      <td className="hide-narrow muted">{last && <time dateTime={last}>{when(last)}</time>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager page={page} perPage={PER_PAGE} total={data.total} onPage={setPage} label="Recipients pages" />
        </>
      )}
    </section>
  );
}

export function BroadcastPage() {
  const { broadcastId = "" } = useParams();
  const api = useApi();
  const { caps } = useSession();
  const queries = useQueryClient();
  const key = ["broadcasts", "one", broadcastId];
  const query = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api.get<Broadcast>(`/broadcasts/${encodeURIComponent(broadcastId)}`, undefined, signal),
    refetchInterval: (q) => (isLive(q.state.data?.status) ? POLL_MS : false),
  });
  const move = useMutation({
    mutationFn: (action: Move) => api.post<Broadcast>(`/broadcasts/${encodeURIComponent(broadcastId)}/${action}`),
    onSuccess: (out) => {
      queries.setQueryData(key, out);
      void queries.invalidateQueries({ queryKey: ["broadcasts", "list"] });
      void queries.invalidateQueries({ queryKey: ["broadcasts", "recipients", broadcastId] });
    },
  });
  const b = query.data;
  const s = b ? broadcastStatus(b.status) : null;
  const p = b ? progressOf(b) : null;

  return (
    <main className="analytics-page" aria-label="Broadcasts">
      <div className="analytics-inner">
        <Link to="/broadcasts" className="back-to">
          ← All broadcasts
        </Link>
        {query.isError && (
          <p className="callout callout-error" role="alert">
            {describeError(query.error)}
          </p>
        )}
        {query.isPending && (
          <div className="card" role="status" aria-label="Loading the broadcast">
            <span className="skeleton skeleton-line" />
            <span className="skeleton skeleton-line short" />
          </div>
        )}
        {b && s && p && (
          <>
            <div className="page-head">
              <div>
                <h1>{b.name}</h1>
                <p className="bc-meta">
                  <span className={`status-badge tone-bg-${s.tone}`}>{s.label}</span>
                  <span>
                    <span className="mono">{b.template_name}</span> · {b.language}
                  </span>
                  <span>Number {b.phone_number_id}</span>
                  <span>Created {when(b.created_at)}</span>
                  {b.finished_at && <span>Finished {when(b.finished_at)}</span>}
                </p>
                {b.status_reason && <p className="page-sub">{b.status_reason}</p>}
              </div>
              {caps.manage && (b.status === "running" || b.status === "paused") && (
                <div className="bc-actions" role="group" aria-label="Broadcast actions">
                  {b.status === "running" ? (
                    <button type="button" className="btn btn-secondary btn-sm" disabled={move.isPending} onClick={() => move.mutate("pause")}>
                      Pause
                    </button>
                  ) : (
                    <button type="button" className="btn btn-primary btn-sm" disabled={move.isPending} onClick={() => move.mutate("resume")}>
                      Resume
                    </button>
                  )}
                  <button type="button" className="btn btn-danger btn-sm" disabled={move.isPending} onClick={() => move.mutate("cancel")}>
                    Cancel broadcast
                  </button>
                </div>
              )}
            </div>
            {move.isError && (
              <p className="callout callout-error" role="alert">
                {describeError(move.error)}
              </p>
            )}
            <section className="card" aria-label="Progress">
              <div className="progress-head">
                <h2>Progress</h2>
                <span className="progress-text">
                  {p.done} of {p.total} done{p.total > 0 ? ` (${Math.round((p.done / p.total) * 100)}%)` : ""}
                  {isLive(b.status) && " · updating"}
                </span>
              </div>
              <ProgressBar b={b} />
              <Legend b={b} />
              <dl className="counts" aria-label="Counts">
                {COUNTS.map((c) => (
                  <div key={c.key}>
                    <dt>{c.label}</dt>
                    <dd>{b.counts[c.key] ?? 0}</dd>
                  </div>
                ))}
              </dl>
              {b.repeated > 0 && <p className="csv-hint">{b.repeated} repeated phone numbers were kept once.</p>}
            </section>
            <Recipients id={b.id} live={isLive(b.status)} />
          </>
        )}
      </div>
    </main>
  );
}
