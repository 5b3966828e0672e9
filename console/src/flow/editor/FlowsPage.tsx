// /flows: the flows of each chatbot, and a new flow (admins).

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { describeError } from "../../api/client";
import { useApi, useSession } from "../../session";
import { flowsApi, useChatbots, useFlowList } from "./editorApi";
import { emptyDocument } from "./model";
import "./editor.css";

export function FlowsPage() {
  const api = useApi();
  const { caps } = useSession();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [params, setParams] = useSearchParams();
  const bots = useChatbots();
  const chatbotId = params.get("chatbot") ?? bots.data?.[0]?.id ?? null;
  const flows = useFlowList(chatbotId);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const create = async () => {
    if (!chatbotId || !name.trim()) return;
    setCreating(true);
    setError(null);
    try {
      const flow = await flowsApi.create(api, { name: name.trim(), chatbot_id: chatbotId, canvas_data: emptyDocument().canvas_data });
      void queries.invalidateQueries({ queryKey: ["flows"] });
      navigate(`/flows/${flow.id}`);
    } catch (exc) {
      setError(describeError(exc));
    } finally {
      setCreating(false);
    }
  };

  return (
    <main className="flows-page" aria-labelledby="flows-title">
      <div className="flows-head">
        <h1 id="flows-title">Flows</h1>
        <label className="field flows-bot">
          <span className="field-label">Chatbot</span>
          <select value={chatbotId ?? ""} onChange={(e) => setParams({ chatbot: e.target.value })} disabled={!bots.data?.length}>
            {(bots.data ?? []).map((b) => (
              <option key={b.id} value={b.id}>{b.name}</option>
            ))}
          </select>
        </label>
      </div>
      {bots.isError && <p className="callout callout-error" role="alert">{describeError(bots.error)}</p>}
      {bots.data?.length === 0 && <p className="muted">No chatbot yet: create one through the API first.</p>}
      {caps.manage && chatbotId && (
        <form className="flows-new" onSubmit={(e) => { e.preventDefault(); void create(); }}>
          <label className="field">
            <span className="field-label">New flow name</span>
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Welcome" />
          </label>
          <button type="submit" className="btn btn-primary btn-sm" disabled={creating || !name.trim()}>
            {creating ? "Creating…" : "Create flow"}
          </button>
          {error && <p className="callout callout-error" role="alert">{error}</p>}
        </form>
      )}
      {flows.isError && <p className="callout callout-error" role="alert">{describeError(flows.error)}</p>}
      {flows.data && (
        flows.data.length === 0 ? (
          <p className="muted">This chatbot has no flow yet.</p>
        ) : (
          <ul className="flows-list" aria-label="Flows of this chatbot">
            {flows.data.map((f) => (
              <li key={f.id}>
                <Link to={`/flows/${f.id}`} className="flows-row">
                  <span className="flows-name">{f.name || "Untitled flow"}</span>
                  {f.is_main && <span className="badge badge-blue">Main</span>}
                  {f.is_fallback && <span className="badge badge-orange">Fallback</span>}
                  <span className={`pill ${f.is_active ? "pill-green" : "pill-grey"}`}>{f.is_active ? "Active" : "Inactive"}</span>
                  <span className="muted small">{f.published_version ? `v${f.published_version} published` : "Draft only"}</span>
                  <span className="muted small">{Array.isArray((f.canvas_data as { nodes?: unknown[] })?.nodes) ? (f.canvas_data as { nodes: unknown[] }).nodes.length : 0} nodes</span>
                </Link>
              </li>
            ))}
          </ul>
        )
      )}
    </main>
  );
}
