// The flow editor page: canvas, palette, node form and the panels beside it, with the toolbar
// (save, validate, publish, activate, versions, import/export, undo/redo, tidy up).

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { describeError } from "../../api/client";
import { useApi, useSession } from "../../session";
import type { CanvasOverlay, FlowDocument, FlowIssue, FlowVersionOut, PanelProps } from "../contract";
import { InsightsPanel } from "../panels/Insights";
import { SimulatorPanel } from "../panels/Simulator";
import type { NodeType } from "./catalogue";
import { ImportError, parseImport } from "./dialect";
import { flowsApi, refusedIssues, asIssues, useFlowOut, useVersions } from "./editorApi";
import type { FlowOut } from "./editorApi";
import { FlowCanvas, displayed } from "./FlowCanvas";
import type { DisplayLayout } from "./FlowCanvas";
import { connect } from "./handles";
import * as H from "./history";
import { layout, needsLayout, nodeSizes } from "./layout";
import type { Size } from "./layout";
import { addNode, documentOf, nextPosition, removeNodes, updateNodeData } from "./model";
import { NodeForm } from "./NodeForm";
import { Palette } from "./Palette";
import "./editor.css";

type Tab = "node" | "simulator" | "analytics";
type Notice = { tone: "ok" | "error" | "info"; text: string } | null;

/** The document as loaded: laid out when its nodes have no positions. */
export function loadedDocument(flow: Pick<FlowOut, "canvas_data" | "variables">): FlowDocument {
  const doc = documentOf(flow);
  return needsLayout(doc) ? layout(doc) : doc;
}

export function FlowEditorPage() {
  const { flowId = "" } = useParams();
  const flow = useFlowOut(flowId);
  if (flow.isPending) {
    return <main className="flow-editor-empty" aria-busy="true">Loading the flow…</main>;
  }
  if (flow.isError) {
    return (
      <main className="flow-editor-empty">
        <p className="callout callout-error" role="alert">{describeError(flow.error)}</p>
        <Link to="/flows">Back to flows</Link>
      </main>
    );
  }
  return <FlowEditor key={flow.data.id} flow={flow.data} />;
}

function download(name: string, value: unknown) {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `${name.replace(/[^\w.-]+/g, "_") || "flow"}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function FlowEditor({ flow: initial }: { flow: FlowOut }) {
  const api = useApi();
  const queries = useQueryClient();
  const { caps } = useSession();
  const canWrite = caps.manage;
  const [flow, setFlow] = useState(initial);
  const [history, setHistory] = useState(() => H.start(loadedDocument(initial)));
  const [saved, setSaved] = useState<FlowDocument>(history.present);
  const [selected, setSelected] = useState<string | null>(null);
  const [issues, setIssues] = useState<FlowIssue[]>([]);
  const [notice, setNotice] = useState<Notice>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("node");
  const [overlay, setOverlay] = useState<CanvasOverlay | null>(null);
  const [viewing, setViewing] = useState<FlowVersionOut | null>(null);
  const [versionsOpen, setVersionsOpen] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  // An import is a new document on the canvas: checked again for overlapping nodes.
  const [imports, setImports] = useState(0);
  const measured = useRef<Record<string, Size>>({});
  const onMeasure = useCallback((sizes: Record<string, Size>) => {
    measured.current = sizes;
  }, []);
  const display = useRef<DisplayLayout | null>(null);
  const onDisplayLayout = useCallback((layout: DisplayLayout | null) => {
    display.current = layout;
  }, []);

  const readOnly = !canWrite || viewing !== null;
  const draft = history.present;
  const shown: FlowDocument = viewing ? { canvas_data: viewing.canvas_data, variables: viewing.variables } : draft;
  const dirty = draft !== saved;

  const edit = useCallback((next: FlowDocument, group: string | null = null) => {
    setHistory((h) => H.record(h, next, group));
  }, []);
  const undo = useCallback(() => setHistory((h) => H.undo(h)), []);
  const redo = useCallback(() => setHistory((h) => H.redo(h)), []);

  useEffect(() => {
    if (readOnly) return;
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === "z" && !e.shiftKey) {
        e.preventDefault();
        undo();
      } else if ((key === "z" && e.shiftKey) || key === "y") {
        e.preventDefault();
        redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [readOnly, undo, redo]);

  useEffect(() => {
    if (!dirty) return;
    const onLeave = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", onLeave);
    return () => window.removeEventListener("beforeunload", onLeave);
  }, [dirty]);

  // Without a drop point, below the lowest node as drawn (a display layout included).
  const add = (type: NodeType, position = nextPosition(displayed(draft, display.current))) => {
    const { document: next, id } = addNode(draft, type, position);
    edit(next);
    setSelected(id);
    setTab("node");
  };

  async function run<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    setBusy(name);
    setNotice(null);
    try {
      return await work();
    } catch (error) {
      setNotice({ tone: "error", text: describeError(error) });
      return undefined;
    } finally {
      setBusy(null);
    }
  }

  const save = async (): Promise<boolean> => {
    const doc = draft;
    const out = await run("save", () => flowsApi.save(api, flow.id, doc));
    if (!out) return false;
    setSaved(doc);
    setFlow(out);
    queries.setQueryData(["flow-editor", flow.id], out);
    void queries.invalidateQueries({ queryKey: ["flows"] });
    void queries.invalidateQueries({ queryKey: ["flow", flow.id] });
    setNotice({ tone: "ok", text: "Draft saved." });
    return true;
  };

  // Validation and publishing read the stored draft: unsaved edits are saved first.
  const validate = async () => {
    if (dirty && !(await save())) return;
    const out = await run("validate", () => flowsApi.validate(api, flow.id));
    if (!out) return;
    setIssues(asIssues(out.errors, out.warnings));
    setNotice(
      out.valid
        ? { tone: "ok", text: out.warnings.length ? `Valid, with ${out.warnings.length} warning(s).` : "The flow is valid." }
        : { tone: "error", text: `${out.errors.length} error(s) to fix before publishing.` },
    );
  };

  const publish = async () => {
    if (dirty && !(await save())) return;
    setBusy("publish");
    setNotice(null);
    try {
      const out = await flowsApi.publish(api, flow.id);
      setIssues(asIssues([], out.warnings));
      setFlow((f) => ({ ...f, published_version: out.version }));
      void queries.invalidateQueries({ queryKey: ["flow-versions", flow.id] });
      void queries.invalidateQueries({ queryKey: ["flows"] });
      setNotice({ tone: "ok", text: `Published version ${out.version}.` });
    } catch (error) {
      const located = refusedIssues(error);
      if (located) {
        setIssues(located);
        setNotice({ tone: "error", text: "Nothing was published: the flow has errors (listed below)." });
      } else setNotice({ tone: "error", text: describeError(error) });
    } finally {
      setBusy(null);
    }
  };

  const toggleActive = async () => {
    const out = await run("active", () => flowsApi.setActive(api, flow.id, !flow.is_active));
    if (!out) return;
    setFlow(out);
    void queries.invalidateQueries({ queryKey: ["flows"] });
    setNotice({ tone: "ok", text: out.is_active ? "The flow is active." : "The flow is inactive." });
  };

  const openVersion = async (n: number) => {
    const out = await run("version", () => flowsApi.version(api, flow.id, n));
    if (!out) return;
    const doc = loadedDocument(out);
    setViewing({ ...out, canvas_data: doc.canvas_data, variables: doc.variables });
    setVersionsOpen(false);
    setSelected(null);
    setOverlay(null);
  };

  const importFile = async (file: File) => {
    try {
      const doc = parseImport(await file.text());
      edit(needsLayout(doc) ? layout(doc) : doc);
      setImports((n) => n + 1);
      setSelected(null);
      setIssues([]);
      setNotice({ tone: "info", text: `Imported ${doc.canvas_data.nodes.length} nodes from ${file.name}. Save the draft to keep them.` });
    } catch (error) {
      setNotice({ tone: "error", text: error instanceof ImportError ? `Cannot import: ${error.message}.` : "Cannot read that file." });
    }
  };

  const node = shown.canvas_data.nodes.find((n) => n.id === selected) ?? null;
  const panelProps: PanelProps = useMemo(
    () => ({ flowId: flow.id, version: viewing?.version ?? null, document: shown, onOverlay: setOverlay }),
    [flow.id, viewing, shown],
  );
  const errors = issues.filter((i) => i.severity === "error").length;

  return (
    <main className="flow-editor" aria-label={`Flow editor: ${flow.name}`}>
      <div className="fe-toolbar" role="toolbar" aria-label="Flow actions">
        <div className="fe-title">
          <Link to="/flows" className="fe-back">Flows</Link>
          <h1>{flow.name || "Untitled flow"}</h1>
          <span className={`pill ${flow.is_active ? "pill-green" : "pill-grey"}`}>{flow.is_active ? "Active" : "Inactive"}</span>
          <span className="fe-version">{flow.published_version ? `Published v${flow.published_version}` : "Never published"}</span>
          {!viewing && canWrite && (
            <span className={`fe-dirty ${dirty ? "is-dirty" : ""}`} role="status" data-testid="save-state">
              {dirty ? "Unsaved changes" : "All changes saved"}
            </span>
          )}
          {!canWrite && <span className="pill pill-grey">Read-only</span>}
        </div>
        <div className="fe-actions">
          {canWrite && (
            <>
              <button type="button" className="btn btn-ghost btn-sm" onClick={undo} disabled={readOnly || !H.canUndo(history)} title="Undo (Ctrl+Z)">Undo</button>
              <button type="button" className="btn btn-ghost btn-sm" onClick={redo} disabled={readOnly || !H.canRedo(history)} title="Redo (Ctrl+Shift+Z)">Redo</button>
              <button type="button" className="btn btn-ghost btn-sm" disabled={readOnly} onClick={() => edit(layout(draft, nodeSizes(draft, measured.current)))}>Tidy up</button>
              <span className="fe-sep" aria-hidden="true" />
              <button type="button" className="btn btn-ghost btn-sm" disabled={readOnly} onClick={() => fileInput.current?.click()}>Import JSON</button>
              <input ref={fileInput} type="file" accept="application/json,.json" hidden data-testid="import-file" aria-label="Import JSON file"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = "";
                  if (file) void importFile(file);
                }} />
            </>
          )}
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => download(flow.name, { name: flow.name, canvas_data: shown.canvas_data, variables: shown.variables })}>Export JSON</button>
          <button type="button" className="btn btn-ghost btn-sm" aria-expanded={versionsOpen} onClick={() => setVersionsOpen((o) => !o)}>Versions</button>
          <button type="button" className="btn btn-secondary btn-sm" disabled={busy !== null || viewing !== null} onClick={() => void validate()}>
            {busy === "validate" ? "Validating…" : "Validate"}
          </button>
          {canWrite && (
            <>
              <button type="button" className="btn btn-secondary btn-sm" disabled={busy !== null} onClick={() => void toggleActive()}>
                {flow.is_active ? "Deactivate" : "Activate"}
              </button>
              <button type="button" className="btn btn-secondary btn-sm" disabled={busy !== null || viewing !== null || !dirty} onClick={() => void save()}>
                {busy === "save" ? "Saving…" : "Save draft"}
              </button>
              <button type="button" className="btn btn-primary btn-sm" disabled={busy !== null || viewing !== null} onClick={() => void publish()}>
                {busy === "publish" ? "Publishing…" : "Publish"}
              </button>
            </>
          )}
        </div>
      </div>
      {notice && (
        <p className={`callout fe-notice ${notice.tone === "error" ? "callout-error" : "callout-info"}`} role={notice.tone === "error" ? "alert" : "status"}>
          {notice.text}
          <button type="button" className="link-btn" onClick={() => setNotice(null)} aria-label="Dismiss">×</button>
        </p>
      )}
      {viewing && (
        <p className="callout callout-info fe-notice" role="status">
          Viewing published version {viewing.version} ({new Date(viewing.published_at).toLocaleString()}), read-only.
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => { setViewing(null); setOverlay(null); }}>Back to the draft</button>
        </p>
      )}
      {versionsOpen && <Versions flowId={flow.id} current={viewing?.version ?? null} onOpen={(n) => void openVersion(n)} onClose={() => setVersionsOpen(false)} />}
      <div className={`fe-body ${readOnly ? "is-readonly" : ""}`}>
        {!readOnly && <Palette onAdd={(type) => add(type)} />}
        <div className="fe-canvas">
          <FlowCanvas
            document={shown}
            overlay={overlay}
            readOnly={readOnly}
            issues={viewing ? [] : issues}
            selectedId={selected}
            onSelect={(id) => {
              setSelected(id);
              if (id) setTab("node");
            }}
            onEdit={edit}
            loadKey={imports}
            onMeasure={onMeasure}
            onDisplayLayout={onDisplayLayout}
            onDropType={(type, position) => add(type, position)}
          />
          {issues.length > 0 && !viewing && (
            <section className="fe-issues" aria-label="Validation">
              <h2>
                {errors} error{errors === 1 ? "" : "s"}, {issues.length - errors} warning{issues.length - errors === 1 ? "" : "s"}
                <button type="button" className="link-btn" onClick={() => setIssues([])}>Clear</button>
              </h2>
              <ul>
                {issues.map((issue, i) => (
                  <li key={i}>
                    <button
                      type="button"
                      className={`fe-issue is-${issue.severity}`}
                      disabled={!issue.node_id}
                      onClick={() => {
                        if (!issue.node_id) return;
                        setSelected(issue.node_id);
                        setTab("node");
                      }}
                    >
                      <span className="fe-issue-kind">{issue.severity === "error" ? "Error" : "Warning"}</span>
                      {issue.node_id && <code>{issue.node_id}</code>}
                      {issue.field && <code>{issue.field}</code>}
                      <span>{issue.message}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
        <aside className="fe-side" aria-label="Side panel">
          <div className="fe-tabs" role="tablist" aria-label="Side panel">
            {(["node", "simulator", "analytics"] as const).map((t) => (
              <button key={t} type="button" role="tab" id={`fe-tab-${t}`} aria-controls={`fe-panel-${t}`} aria-selected={tab === t}
                className={`fe-tab ${tab === t ? "is-current" : ""}`} onClick={() => setTab(t)}>
                {t === "node" ? "Node" : t === "simulator" ? "Simulator" : "Analytics"}
              </button>
            ))}
          </div>
          <div className="fe-panel" role="tabpanel" id={`fe-panel-${tab}`} aria-labelledby={`fe-tab-${tab}`}>
            {tab === "node" &&
              (node ? (
                <NodeForm
                  key={node.id}
                  document={shown}
                  node={node}
                  issues={viewing ? [] : issues.filter((i) => i.node_id === node.id)}
                  readOnly={readOnly}
                  onData={(data, group) => edit(updateNodeData(draft, node.id, data), group)}
                  onConnect={(key, target) => edit(connect(draft, node.id, key, target))}
                  onDelete={() => {
                    edit(removeNodes(draft, [node.id]));
                    setSelected(null);
                  }}
                />
              ) : (
                <p className="muted fe-hint">
                  {readOnly ? "Select a node to see its settings." : "Select a node to edit it, or add one from the palette."}
                </p>
              ))}
            {tab === "simulator" && <SimulatorPanel {...panelProps} />}
            {tab === "analytics" && <InsightsPanel {...panelProps} />}
          </div>
        </aside>
      </div>
    </main>
  );
}

function Versions({ flowId, current, onOpen, onClose }: { flowId: string; current: number | null; onOpen(n: number): void; onClose(): void }) {
  const versions = useVersions(flowId, true);
  return (
    <section className="fe-versions" aria-label="Published versions">
      <div className="fe-versions-head">
        <h2>Published versions</h2>
        <button type="button" className="link-btn" onClick={onClose}>Close</button>
      </div>
      {versions.isPending ? (
        <p className="muted">Loading…</p>
      ) : versions.isError ? (
        <p className="callout callout-error" role="alert">{describeError(versions.error)}</p>
      ) : versions.data.versions.length === 0 ? (
        <p className="muted">Not published yet.</p>
      ) : (
        <ul>
          {[...versions.data.versions].sort((a, b) => b.version - a.version).map((v) => (
            <li key={v.version}>
              <button type="button" className={`fe-version-row ${current === v.version ? "is-current" : ""}`} onClick={() => onOpen(v.version)}
                aria-label={`Open version ${v.version}`}>
                <strong>v{v.version}</strong>
                <span>{new Date(v.published_at).toLocaleString()}</span>
                {v.published_by && <span className="muted">{v.published_by}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
