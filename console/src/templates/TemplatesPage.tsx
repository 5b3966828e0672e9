// /templates: the organization's message templates as synchronised from its WABAs, filtered
// by name, status and language; writers synchronise them now.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { describeError } from "../api/client";
import { Pager } from "../components/Pager";
import { shortWhen } from "../format";
import { useApi, useSession } from "../session";
import { TEMPLATE_STATUSES, componentsSummary, parametersText, statusTone } from "./types";
import type { SyncOut, TemplatePage } from "./types";
import "../analytics/analytics.css";
import "../broadcasts/broadcasts.css";

const PER_PAGE = 50;

function syncText(out: SyncOut): string {
  const from = out.wabas.length === 1 ? "1 WhatsApp Business Account" : `${out.wabas.length} WhatsApp Business Accounts`;
  const removed = out.removed ? `, ${out.removed} removed` : "";
  return `Synced ${out.synced} template${out.synced === 1 ? "" : "s"} from ${from}${removed}.`;
}

function useTemplates(filters: { name: string; status: string; language: string }, page: number) {
  const api = useApi();
  return useQuery({
    queryKey: ["templates", "list", filters, page],
    queryFn: ({ signal }) =>
      api.get<TemplatePage>("/templates/", { ...filters, page, per_page: PER_PAGE }, signal),
    placeholderData: (previous) => previous,
  });
}

function NameFilter({ value, onChange }: { value: string; onChange(v: string): void }) {
  const [text, setText] = useState(value);
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => latest.current(text), 300);
    return () => clearTimeout(timer);
  }, [text, value]);
  return (
    <label className="field">
      <span className="field-label">Name</span>
      <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="order_update" />
    </label>
  );
}

export function TemplatesPage() {
  const api = useApi();
  const { caps, organizationId } = useSession();
  const queries = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filters = {
    name: params.get("name") ?? "",
    status: params.get("status") ?? "",
    language: params.get("language") ?? "",
  };
  const page = Math.max(1, Number(params.get("page")) || 1);
  const set = (change: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!("page" in change)) next.delete("page");
    setParams(next, { replace: true });
  };
  const list = useTemplates(filters, page);
  const sync = useMutation({
    mutationFn: () =>
      api.post<SyncOut>("/templates/sync", {}, { organization_id: caps.pickOrganization ? organizationId : undefined }),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["templates"] }),
  });
  const data = list.data;
  const filtered = Boolean(filters.name || filters.status || filters.language);

  return (
    <main className="analytics-page" aria-label="Templates">
      <div className="analytics-inner">
        <div className="page-head">
          <div>
            <h1>Templates</h1>
            <p className="page-sub">
              Message templates of your WhatsApp Business Accounts, kept in step with Meta. Only an
              approved template can start a conversation or a broadcast.
            </p>
          </div>
          {caps.manage && (
            <button type="button" className="btn btn-primary btn-sm" onClick={() => sync.mutate()} disabled={sync.isPending}>
              {sync.isPending ? "Syncing…" : "Sync now"}
            </button>
          )}
        </div>
        {sync.isSuccess && (
          <div className={`callout ${sync.data.errors.length ? "callout-error" : "callout-info"}`} role="status">
            <p>{syncText(sync.data)}</p>
            {sync.data.errors.length > 0 && (
              <ul className="sync-errors" aria-label="Sync problems">
                {sync.data.errors.map((e, i) => (
                  <li key={i}>{e}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        {sync.isError && (
          <p className="callout callout-error" role="alert">
            {describeError(sync.error)}
          </p>
        )}
        <section className="card" aria-labelledby="templates-list">
          <h2 id="templates-list" className="sr-only">
            Templates list
          </h2>
          <div className="filters" role="group" aria-label="Filters">
            <NameFilter value={filters.name} onChange={(name) => set({ name })} />
            <label className="field">
              <span className="field-label">Status</span>
              <select value={filters.status} onChange={(e) => set({ status: e.target.value })}>
                <option value="">Any status</option>
                {TEMPLATE_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s[0]}
                    {s.slice(1).toLowerCase()}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field-label">Language</span>
              <input
                value={filters.language}
                onChange={(e) => set({ language: e.target.value.trim() })}
                placeholder="en_US"
                maxLength={16}
              />
            </label>
          </div>
          {list.isError && (
            <p className="callout callout-error" role="alert">
              {describeError(list.error)}
            </p>
          )}
          {list.isPending ? (
            <div role="status" aria-label="Loading templates">
              <span className="skeleton skeleton-line" />
              <span className="skeleton skeleton-line short" />
            </div>
          ) : data && data.templates.length === 0 ? (
            <p className="empty-note">
              {filtered
                ? "No template matches these filters."
                : `No template yet.${caps.manage ? " Sync now to read them from Meta." : ""}`}
            </p>
          ) : data ? (
            <>
              <div className="table-scroll">
                <table className="data-table" aria-label="Templates">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Language</th>
                      <th scope="col">Category</th>
                      <th scope="col">Status</th>
                      <th scope="col" className="hide-narrow">
                        Components
                      </th>
                      <th scope="col">Parameters</th>
                      <th scope="col" className="hide-narrow">
                        Synced
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.templates.map((t) => (
                      <tr key={`${t.waba_id}/${t.name}/${t.language}`}>
                        <th scope="row">
                          <span className="mono">{t.name}</span>
                        </th>
                        <td>{t.language}</td>
                        <td>{t.category ? `${t.category[0]}${t.category.slice(1).toLowerCase()}` : "—"}</td>
                        <td>
                          <span className={`status-badge tone-bg-${statusTone(t.status)}`}>{t.status}</span>
                          {t.reason && t.reason.toUpperCase() !== "NONE" && <span className="cell-note">{t.reason}</span>}
                        </td>
                        <td className="hide-narrow">{componentsSummary(t.components) || "—"}</td>
                        <td>{parametersText(t.requirements)}</td>
                        <td className="hide-narrow muted">
                          <time dateTime={t.synced_at} title={new Date(t.synced_at).toLocaleString()}>
                            {shortWhen(t.synced_at, Date.now())}
                          </time>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager page={page} perPage={PER_PAGE} total={data.total} onPage={(p) => set({ page: String(p) })} label="Templates pages" />
            </>
          ) : null}
        </section>
      </div>
    </main>
  );
}
