// /broadcasts: the organization's broadcasts with their progress; writers start a new one
// (a number, an APPROVED template and language, a recipient CSV checked before it is sent).

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { ApiError, describeError } from "../api/client";
import { Pager } from "../components/Pager";
import { shortWhen } from "../format";
import { useNumbers } from "../queries";
import { useApi, useSession } from "../session";
import { parametersText } from "../templates/types";
import type { Template, TemplatePage } from "../templates/types";
import { checkCsv } from "./csv";
import { ProgressBar } from "./parts";
import { broadcastStatus, progressOf } from "./types";
import type { Broadcast, BroadcastPage } from "./types";
import "../analytics/analytics.css";
import "./broadcasts.css";

const PER_PAGE = 20;
const PREVIEW_ROWS = 5;

function useApproved(enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ["templates", "approved"],
    queryFn: ({ signal }) => api.get<TemplatePage>("/templates/", { status: "APPROVED", per_page: 100 }, signal),
    enabled,
    staleTime: 30_000,
    select: (page) => page.templates,
  });
}

/** A file's text (FileReader: older engines, and jsdom, have no Blob.text). */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ""));
    reader.onerror = () => reject(reader.error ?? new Error("the file cannot be read"));
    reader.readAsText(file);
  });
}

/** The API's refusal in words, with its list of problems (422 invalid_recipients). */
function refusal(error: unknown): { text: string; problems: string[] } {
  const problems =
    error instanceof ApiError && Array.isArray(error.details.problems)
      ? error.details.problems.filter((p): p is string => typeof p === "string")
      : [];
  return { text: describeError(error), problems };
}

function NewBroadcast({ onClose }: { onClose(): void }) {
  const api = useApi();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const numbers = useNumbers();
  const approved = useApproved(true);
  const [name, setName] = useState("");
  const [numberId, setNumberId] = useState("");
  const [templateName, setTemplateName] = useState("");
  const [language, setLanguage] = useState("");
  const [csv, setCsv] = useState("");
  const [fileName, setFileName] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; problems: string[] } | null>(null);

  const number = (numbers.data ?? []).find((n) => n.id === numberId);
  // A number's broadcasts use its WABA's templates; a number whose WABA is unknown here sees all.
  const usable = useMemo(
    () => (approved.data ?? []).filter((t) => !number?.waba_id || t.waba_id === number.waba_id),
    [approved.data, number?.waba_id],
  );
  const names = [...new Set(usable.map((t) => t.name))].sort();
  const languages = usable.filter((t) => t.name === templateName).map((t) => t.language);
  const template: Template | undefined = usable.find((t) => t.name === templateName && t.language === language);
  const check = useMemo(() => (csv.trim() ? checkCsv(csv, template?.requirements) : null), [csv, template]);
  const ready = Boolean(name.trim() && number && template && check && check.problems.length === 0);

  const pickTemplate = (value: string) => {
    setTemplateName(value);
    const langs = usable.filter((t) => t.name === value).map((t) => t.language);
    setLanguage(langs.length === 1 ? langs[0] : langs.includes(language) ? language : "");
  };

  const readFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      setCsv(await readText(file));
      setFileName(file.name);
    } catch {
      setError({ text: `${file.name} cannot be read.`, problems: [] });
    }
  };

  const create = async () => {
    if (!ready || !number || !template) return;
    setBusy(true);
    setError(null);
    try {
      const out = await api.post<Broadcast>("/broadcasts/", {
        name: name.trim(),
        number_id: number.id,
        template_name: template.name,
        language: template.language,
        csv,
      });
      void queries.invalidateQueries({ queryKey: ["broadcasts"] });
      navigate(`/broadcasts/${out.id}`);
    } catch (exc) {
      setError(refusal(exc));
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="new-broadcast-title">
      <h2 id="new-broadcast-title">New broadcast</h2>
      <form
        className="bc-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <div className="bc-form-grid">
          <label className="field">
            <span className="field-label">Name</span>
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="May promo" maxLength={200} />
          </label>
          <label className="field">
            <span className="field-label">Number</span>
            <select value={numberId} onChange={(e) => setNumberId(e.target.value)}>
              <option value="">Pick a number</option>
              {(numbers.data ?? []).map((n) => (
                <option key={n.id} value={n.id}>
                  {n.display_name || n.phone_number || n.phone_number_id}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">Template</span>
            <select value={templateName} onChange={(e) => pickTemplate(e.target.value)} disabled={names.length === 0}>
              <option value="">{approved.isPending ? "Loading…" : names.length ? "Pick an approved template" : "No approved template"}</option>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">Language</span>
            <select value={language} onChange={(e) => setLanguage(e.target.value)} disabled={languages.length === 0}>
              <option value="">Pick a language</option>
              {languages.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
        </div>
        {template && <p className="csv-hint">Parameters: {parametersText(template.requirements)}.</p>}
        <label className="field">
          <span className="field-label">CSV file</span>
          <input type="file" accept=".csv,text/csv,text/plain" onChange={(e) => void readFile(e.target.files?.[0])} />
        </label>
        <label className="field">
          <span className="field-label">Recipients (CSV)</span>
          <textarea
            value={csv}
            onChange={(e) => {
              setCsv(e.target.value);
              setFileName(null);
            }}
            placeholder={"phone,1,2\n+5511999990001,Ada,4410"}
            spellCheck={false}
          />
        </label>
        <p className="csv-hint">
          A header row, then one recipient a line: <code>phone</code> (or wa_id), the body’s parameters as{" "}
          <code>1</code>, <code>2</code>… (or their names), <code>header</code>, <code>button.0</code>.
          {fileName && <> Read from {fileName}.</>}
        </p>
        {check && (
          <div aria-label="Check of the list" role="group">
            <ul className="bc-check">
              {check.fine.map((f) => (
                <li key={f} className="ok">
                  ✓ {f}
                </li>
              ))}
              {check.problems.map((p) => (
                <li key={p} className="bad">
                  ✗ {p}
                </li>
              ))}
              {!template && <li>Pick a template to check the parameters.</li>}
            </ul>
            {check.rows.length > 0 && (
              <div className="table-scroll">
                <table className="data-table" aria-label="Preview">
                  <caption className="sr-only">The first rows of the list</caption>
                  <thead>
                    <tr>
                      {check.columns.map((c, i) => (
                        <th key={`${c}-${i}`} scope="col">
                          {c || "—"}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {check.rows.slice(0, PREVIEW_ROWS).map((row, r) => (
                      <tr key={r}>
                        {check.columns.map((_, i) => (
                          <td key={i}>{row[i] ?? ""}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
                {check.rows.length > PREVIEW_ROWS && (
                  <p className="csv-hint">…and {check.rows.length - PREVIEW_ROWS} more.</p>
                )}
              </div>
            )}
          </div>
        )}
        {error && (
          <div className="callout callout-error" role="alert">
            <p>{error.text}</p>
            {error.problems.length > 0 && (
              <ul className="sync-errors">
                {error.problems.map((p, i) => (
                  <li key={i}>{p}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div className="bc-form-foot">
          <button type="submit" className="btn btn-primary btn-sm" disabled={!ready || busy}>
            {busy ? "Creating…" : "Create broadcast"}
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
            Discard
          </button>
          <span className="csv-hint">It starts sending at once.</span>
        </div>
      </form>
    </section>
  );
}

export function BroadcastsPage() {
  const api = useApi();
  const { caps } = useSession();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const [composing, setComposing] = useState(false);
  const list = useQuery({
    queryKey: ["broadcasts", "list", page],
    queryFn: ({ signal }) => api.get<BroadcastPage>("/broadcasts/", { page, per_page: PER_PAGE }, signal),
    placeholderData: (previous) => previous,
    refetchInterval: (q) => (q.state.data?.broadcasts.some((b) => b.status === "running") ? 5000 : false),
  });
  const data = list.data;
  return (
    <main className="analytics-page" aria-label="Broadcasts">
      <div className="analytics-inner">
        <div className="page-head">
          <div>
            <h1>Broadcasts</h1>
            <p className="page-sub">An approved template sent to a list of contacts, paced to the number’s rate; opted-out contacts are skipped.</p>
          </div>
          {caps.manage && !composing && (
            <button type="button" className="btn btn-primary btn-sm" onClick={() => setComposing(true)}>
              New broadcast
            </button>
          )}
        </div>
        {composing && <NewBroadcast onClose={() => setComposing(false)} />}
        <section className="card" aria-labelledby="broadcasts-list">
          <h2 id="broadcasts-list" className="sr-only">
            All broadcasts
          </h2>
          {list.isError && (
            <p className="callout callout-error" role="alert">
              {describeError(list.error)}
            </p>
          )}
          {list.isPending ? (
            <div role="status" aria-label="Loading broadcasts">
              <span className="skeleton skeleton-line" />
              <span className="skeleton skeleton-line short" />
            </div>
          ) : data && data.broadcasts.length === 0 ? (
            <p className="empty-note">No broadcast yet.</p>
          ) : data ? (
            <>
              <div className="table-scroll">
                <table className="data-table" aria-label="Broadcasts">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Template</th>
                      <th scope="col">Status</th>
                      <th scope="col">Progress</th>
                      <th scope="col" className="num hide-narrow">
                        Delivered
                      </th>
                      <th scope="col" className="num hide-narrow">
                        Failed
                      </th>
                      <th scope="col" className="hide-narrow">
                        Created
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.broadcasts.map((b) => {
                      const s = broadcastStatus(b.status);
                      const p = progressOf(b);
                      return (
                        <tr key={b.id}>
                          <th scope="row">
                            <Link to={`/broadcasts/${encodeURIComponent(b.id)}`}>{b.name}</Link>
                          </th>
                          <td>
                            <span className="mono">{b.template_name}</span> <span className="muted">· {b.language}</span>
                          </td>
                          <td>
                            <span className={`status-badge tone-bg-${s.tone}`}>{s.label}</span>
                          </td>
                          <td>
                            <span className="progress-cell">
                              <ProgressBar b={b} small />
                              <span className="progress-text">
                                {p.done} / {p.total}
                              </span>
                            </span>
                          </td>
                          <td className="num hide-narrow">{b.counts.delivered ?? 0}</td>
                          <td className="num hide-narrow">{b.counts.failed ?? 0}</td>
                          <td className="hide-narrow muted">
                            <time dateTime={b.created_at} title={new Date(b.created_at).toLocaleString()}>
                              {shortWhen(b.created_at, Date.now())}
                            </time>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <Pager
                page={page}
                perPage={PER_PAGE}
                total={data.total}
                onPage={(p) => setParams(p > 1 ? { page: String(p) } : {}, { replace: true })}
                label="Broadcasts pages"
              />
            </>
          ) : null}
        </section>
      </div>
    </main>
  );
}
