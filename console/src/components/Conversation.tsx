import { useCallback, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import type { To } from "react-router-dom";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, describeError } from "../api/client";
import type { ConversationDetail, Flow, User } from "../api/types";
import { initials, phoneLabel, secondsSince, waited, windowLeft } from "../format";
import { displayName, handoffReason, holderName, priorityBadge, statusLabel } from "../inbox";
import { reconcile } from "../messages";
import type { Pending } from "../messages";
import { pendingStore, usePending } from "../pending";
import { useConversation, useFlow, useFlows, useNumbers, useUsers } from "../queries";
import type { Caps } from "../roles";
import { useApi, useSession } from "../session";
import { useNow } from "../useNow";
import { Composer } from "./Composer";
import type { TemplateDraft } from "./Composer";
import { Details } from "./Details";
import { History } from "./History";
import { BackIcon, ClockIcon, CloseIcon, InfoIcon } from "./icons";
import { Modal } from "./Modal";

type ActionName = "takeover" | "release" | "resume" | "close" | "restart" | "assign";

interface Busy {
  name: ActionName;
  until: (d: ConversationDetail) => boolean;
}

function newId(): string {
  try {
    return crypto.randomUUID();
  } catch {
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
  }
}

/** An action on the conversation: sent (202), then "busy" until the projection shows it. */
function useActions(number: string, phone: string, detail: ConversationDetail | undefined) {
  const api = useApi();
  const queries = useQueryClient();
  const [busy, setBusy] = useState<Busy | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refetch = useCallback(() => {
    void queries.invalidateQueries({ queryKey: ["conversation", number, phone] });
    void queries.invalidateQueries({ queryKey: ["conversations"] });
  }, [queries, number, phone]);

  useEffect(() => {
    if (busy && detail && busy.until(detail)) setBusy(null);
  }, [busy, detail]);

  useEffect(() => {
    if (!busy) return;
    const timer = setTimeout(() => setBusy(null), 20_000);
    return () => clearTimeout(timer);
  }, [busy]);

  const run = useCallback(
    async (
      name: ActionName,
      path: string,
      body: unknown,
      until: Busy["until"],
      then: { path: string; body: unknown }[] = [],
    ) => {
      setError(null);
      setBusy({ name, until });
      try {
        // Commands on one conversation apply in the order they are sent.
        for (const step of [{ path, body }, ...then]) {
          await api.post(`/conversations/${encodeURIComponent(phone)}/${step.path}`, step.body, {
            number,
          });
        }
        refetch();
        setTimeout(refetch, 1500); // in case a live event is slow
        return true;
      } catch (exc) {
        setBusy(null);
        setError(describeError(exc));
        refetch();
        return false;
      }
    },
    [api, phone, number, refetch],
  );

  const post = useCallback(
    async (p: Pending, body: unknown) => {
      try {
        await api.request("POST", `/conversations/${encodeURIComponent(phone)}/send`, {
          body,
          query: { number },
          headers: { "Idempotency-Key": p.id },
        });
        refetch();
      } catch (exc) {
        pendingStore.update(p.id, { state: "failed", error: describeError(exc) });
        if (exc instanceof ApiError && exc.code === "window_expired") refetch();
      }
    },
    [api, phone, number, refetch],
  );

  return { busy: busy?.name ?? null, error, clearError: () => setError(null), run, post };
}

function ActionButton({
  name,
  busy,
  onClick,
  tone = "default",
  children,
}: {
  name: ActionName;
  busy: ActionName | null;
  onClick(): void;
  tone?: "primary" | "default" | "danger";
  children: ReactNode;
}) {
  const mine = busy === name;
  return (
    <button
      type="button"
      className={`btn btn-sm ${tone === "primary" ? "btn-primary" : tone === "danger" ? "btn-danger-ghost" : "btn-secondary"} ${mine ? "is-busy" : ""}`}
      onClick={onClick}
      disabled={busy !== null}
      aria-busy={mine || undefined}
    >
      {mine && <span className="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}

function AssignDialog({
  people,
  current,
  onAssign,
  onClose,
}: {
  people: User[];
  current: string | null;
  onAssign(id: string): void;
  onClose(): void;
}) {
  const choices = people.filter((u) => u.is_active && u.role !== "viewer");
  const [chosen, setChosen] = useState(choices.find((u) => u.id !== current)?.id ?? "");
  return (
    <Modal
      title="Assign to an agent"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary btn-sm"
            disabled={!chosen || chosen === current}
            onClick={() => onAssign(chosen)}
          >
            Assign
          </button>
        </>
      }
    >
      {choices.length === 0 ? (
        <p>This organization has no active agent yet.</p>
      ) : (
        <label className="field">
          <span className="field-label">Agent</span>
          <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
            {choices.map((u) => (
              <option key={u.id} value={u.id}>
                {(u.full_name || u.email) + (u.id === current ? " (has it now)" : "")}
              </option>
            ))}
          </select>
        </label>
      )}
      <p className="muted small">They see it under “Mine”; the bot stays paused.</p>
    </Modal>
  );
}

function RestartDialog({
  flows,
  onRestart,
  onClose,
}: {
  flows: Flow[];
  onRestart(flowId: string | null): void;
  onClose(): void;
}) {
  const published = flows.filter((f) => f.published_version != null && f.is_active);
  const [chosen, setChosen] = useState("");
  return (
    <Modal
      title="Restart a flow"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary btn-sm" onClick={() => onRestart(chosen || null)}>
            Restart flow
          </button>
        </>
      }
    >
      <label className="field">
        <span className="field-label">Flow</span>
        <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
          <option value="">The chatbot’s main flow</option>
          {published.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name} (v{f.published_version}){f.is_main ? " · main" : ""}
            </option>
          ))}
        </select>
      </label>
      <p className="muted small">
        Ends what the bot is doing here and starts the flow from its first step: the contact gets
        its first message right away.
      </p>
    </Modal>
  );
}

function CloseDialog({ name, onConfirm, onClose }: { name: string; onConfirm(): void; onClose(): void }) {
  return (
    <Modal
      title="Close this conversation?"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger btn-sm" onClick={onConfirm}>
            Close conversation
          </button>
        </>
      }
    >
      <p>
        The conversation with <strong>{name}</strong> ends. Their next message starts a new one with
        the bot.
      </p>
    </Modal>
  );
}

function WindowChip({ expiresAt }: { expiresAt: string | null }) {
  const now = useNow();
  const w = windowLeft(expiresAt, now);
  return (
    <span className={`window-chip window-chip-${w.phase}`} title={`24-hour window: ${w.text}`}>
      <ClockIcon size={13} />
      <span className="sr-only">24-hour window: </span>
      {w.phase === "closed" ? (
        <>
          <span className="long">Window closed</span>
          <span className="short-only">Closed</span>
        </>
      ) : (
        <>
          {w.short}
          <span className="long">left</span>
        </>
      )}
    </span>
  );
}

function Banner({ detail, holder }: { detail: ConversationDetail; holder: string | null }) {
  const now = useNow();
  const c = detail.conversation;
  if (c.status === "handoff" && !c.assigned_to) {
    const badge = priorityBadge(c.handoff_priority);
    return (
      <div className="banner banner-waiting">
        <span className={`badge badge-${badge.tone}`}>{badge.label}</span>
        <span>
          <strong>Waiting for a human</strong>
          {c.handoff_at && <> for {waited(secondsSince(c.handoff_at, now))}</>}
          {" · "}
          {c.handoff_context || handoffReason(c.handoff_reason)}
        </span>
      </div>
    );
  }
  if (c.status === "handoff" && holder) {
    return (
      <div className="banner banner-held">
        <span>
          <strong>{holder === "You" ? "You have this conversation." : `${holder} has this conversation.`}</strong>{" "}
          The bot is paused until someone gives it back.
        </span>
      </div>
    );
  }
  return null;
}

export function ConversationActions({
  detail,
  caps,
  me,
  busy,
  onAction,
}: {
  detail: ConversationDetail;
  caps: Caps;
  me: string | undefined;
  busy: ActionName | null;
  onAction(name: ActionName | "assign-dialog" | "restart-dialog" | "close-dialog"): void;
}) {
  if (!caps.act) return null;
  const c = detail.conversation;
  const open = c.status !== "closed";
  const mine = Boolean(me) && c.assigned_to === me;
  return (
    <div className="actions" role="group" aria-label="Conversation actions">
      {open && !mine && (
        <ActionButton name="takeover" busy={busy} tone="primary" onClick={() => onAction("takeover")}>
          Take over
        </ActionButton>
      )}
      {c.status === "handoff" && (
        <ActionButton name="resume" busy={busy} tone={mine ? "primary" : "default"} onClick={() => onAction("resume")}>
          Give the bot back
        </ActionButton>
      )}
      {open && c.assigned_to && (mine || caps.assignOthers) && (
        <ActionButton name="release" busy={busy} onClick={() => onAction("release")}>
          Release
        </ActionButton>
      )}
      {open && caps.assignOthers && (
        <ActionButton name="assign" busy={busy} onClick={() => onAction("assign-dialog")}>
          Assign to…
        </ActionButton>
      )}
      <ActionButton name="restart" busy={busy} onClick={() => onAction("restart-dialog")}>
        Restart flow…
      </ActionButton>
      {open && (
        <ActionButton name="close" busy={busy} tone="danger" onClick={() => onAction("close-dialog")}>
          Close
        </ActionButton>
      )}
    </div>
  );
}

function composerHint(detail: ConversationDetail, mine: boolean): string | null {
  const c = detail.conversation;
  if (c.status === "active") {
    return "The bot is talking to this contact. Take over to pause it; a reply now goes alongside the bot’s.";
  }
  if (c.status === "handoff" && !c.assigned_to) return "Nobody has taken this conversation yet: replying does not assign it to you.";
  if (c.status === "handoff" && !mine) return "Another agent has this conversation.";
  return null;
}

export function ConversationBody({
  detail,
  caps,
  me,
  people,
  flow,
  flows,
  numberName,
  actions,
  back,
}: {
  back: ReactNode;
  detail: ConversationDetail;
  caps: Caps;
  me: string | undefined;
  people: User[];
  flow: Flow | undefined;
  flows: Flow[];
  numberName: string;
  actions: ReturnType<typeof useActions>;
}) {
  const c = detail.conversation;
  const now = useNow();
  const pending = usePending(c.key);
  const [dialog, setDialog] = useState<null | "assign" | "restart" | "close">(null);
  const [showDetails, setShowDetails] = useState(false);
  const peopleById = useMemo(() => new Map(people.map((u) => [u.id, u])), [people]);
  const holder = holderName(c.assigned_to, me, peopleById);
  const name = displayName(c);
  const status = statusLabel(c, me);
  const mine = Boolean(me) && c.assigned_to === me;
  const windowOpen = windowLeft(detail.window.expires_at, now).phase !== "closed";

  useEffect(() => {
    if (pending.length === 0) return;
    const left = new Set(reconcile(pending, detail.messages).map((p) => p.id));
    pendingStore.remove(pending.filter((p) => !left.has(p.id)).map((p) => p.id));
  }, [pending, detail.messages]);

  const onAction = (what: ActionName | "assign-dialog" | "restart-dialog" | "close-dialog") => {
    switch (what) {
      case "takeover":
        void actions.run("takeover", "assign", {}, (d) => d.conversation.assigned_to === me);
        break;
      case "release":
        void actions.run("release", "assign", { release: true }, (d) => !d.conversation.assigned_to);
        break;
      case "resume":
        // The bot takes the conversation back: whoever had it lets it go too.
        void actions.run(
          "resume",
          "resume",
          {},
          (d) => d.conversation.status !== "handoff" && !d.conversation.assigned_to,
          c.assigned_to ? [{ path: "assign", body: { release: true } }] : [],
        );
        break;
      case "assign-dialog":
        setDialog("assign");
        break;
      case "restart-dialog":
        setDialog("restart");
        break;
      case "close-dialog":
        setDialog("close");
        break;
      default:
    }
  };

  const sendText = async (text: string) => {
    const p: Pending = {
      id: newId(),
      conversationKey: c.key,
      text,
      template: false,
      sentAt: Date.now(),
      state: "sending",
    };
    pendingStore.add(p);
    await actions.post(p, { message: text });
    return true;
  };

  const sendTemplate = async (t: TemplateDraft) => {
    const p: Pending = {
      id: newId(),
      conversationKey: c.key,
      text: t.name,
      template: true,
      sentAt: Date.now(),
      state: "sending",
    };
    pendingStore.add(p);
    await actions.post(p, { template: t });
    return true;
  };

  const retry = (p: Pending) => {
    pendingStore.update(p.id, { state: "sending", error: undefined, sentAt: Date.now() });
    void actions.post(p, { message: p.text });
  };

  return (
    <>
      <div className="conv-head-row">
        {back}
        <span className="avatar" aria-hidden="true">
          {initials(c.contact_name)}
        </span>
        <div className="conv-title">
          <div className="conv-name-row">
            <h2 id="conversation-title">{name}</h2>
            <span className={`pill pill-${status.tone}`}>
              {c.status !== "closed" && holder ? (holder === "You" ? "With you" : `With ${holder}`) : status.label}
            </span>
          </div>
          <p className="conv-sub">
            {c.contact_name && <span>{phoneLabel(c.phone)}</span>}
            <span>{numberName}</span>
            {c.flow_name && <span className="conv-flow">{c.flow_name}</span>}
          </p>
        </div>
        <WindowChip expiresAt={detail.window.expires_at} />
        <button
          type="button"
          className={`icon-btn details-toggle ${showDetails ? "is-on" : ""}`}
          aria-label="Details"
          aria-expanded={showDetails}
          aria-controls="conversation-details"
          onClick={() => setShowDetails(!showDetails)}
        >
          <InfoIcon size={18} />
        </button>
      </div>
      <ConversationActions detail={detail} caps={caps} me={me} busy={actions.busy} onAction={onAction} />
      {actions.error && (
        <div className="callout callout-error conv-error" role="alert">
          <span>{actions.error}</span>
          <button type="button" className="link-btn" onClick={actions.clearError}>
            Dismiss
          </button>
        </div>
      )}
      <div className={`conv-body ${showDetails ? "details-open" : ""}`}>
        <div className="conv-main">
          <Banner detail={detail} holder={holder} />
          <History
            messages={detail.messages}
            pending={pending}
            contactName={name}
            truncated={detail.messages.length >= 500}
            onRetry={retry}
            onDismiss={(p) => pendingStore.remove([p.id])}
          />
          {caps.act ? (
            c.status === "closed" ? (
              <p className="composer-note" role="note">
                This conversation is closed. Restart a flow to talk to {name} again, or wait for
                them to write.
              </p>
            ) : (
              <Composer
                windowOpen={windowOpen}
                hint={composerHint(detail, mine)}
                onText={sendText}
                onTemplate={sendTemplate}
              />
            )
          ) : (
            <p className="composer-note" role="note">
              You can read this conversation; replying and taking over need the agent role.
            </p>
          )}
        </div>
        <div id="conversation-details" className="details-wrap">
          <div className="details-bar">
            <span>Details</span>
            <button type="button" className="icon-btn" aria-label="Hide details" onClick={() => setShowDetails(false)}>
              <CloseIcon size={16} />
            </button>
          </div>
          <Details detail={detail} flow={flow} holder={holder} numberName={numberName} />
        </div>
      </div>
      {dialog === "assign" && (
        <AssignDialog
          people={people}
          current={c.assigned_to}
          onClose={() => setDialog(null)}
          onAssign={(id) => {
            setDialog(null);
            void actions.run("assign", "assign", { agent_id: id }, (d) => d.conversation.assigned_to === id);
          }}
        />
      )}
      {dialog === "restart" && (
        <RestartDialog
          flows={flows}
          onClose={() => setDialog(null)}
          onRestart={(flowId) => {
            setDialog(null);
            const before = c.id;
            void actions.run("restart", "restart", flowId ? { flow_id: flowId } : {}, (d) => d.conversation.id !== before);
          }}
        />
      )}
      {dialog === "close" && (
        <CloseDialog
          name={name}
          onClose={() => setDialog(null)}
          onConfirm={() => {
            setDialog(null);
            void actions.run("close", "close", {}, (d) => d.conversation.status === "closed");
          }}
        />
      )}
    </>
  );
}

export function ConversationView({ number, phone, backTo }: { number: string; phone: string; backTo: To }) {
  const { user, caps } = useSession();
  const query = useConversation(number, phone);
  const detail = query.data;
  const conv = detail?.conversation;
  const flow = useFlow(detail?.current_state.flow.id ?? conv?.flow_id);
  const flows = useFlows(caps.act ? conv?.chatbot_id : null);
  const users = useUsers(conv?.organization_id);
  const numbers = useNumbers();
  const actions = useActions(number, phone, detail);
  const numberInfo = (numbers.data ?? []).find((n) => n.phone_number_id === number);
  const numberName = numberInfo?.display_name || numberInfo?.phone_number || number;
  const back = (
    <Link to={backTo} className="icon-btn back-link" aria-label="Back to conversations">
      <BackIcon size={20} />
    </Link>
  );

  return (
    <section className="conversation-pane" aria-labelledby={detail ? "conversation-title" : undefined} aria-label={detail ? undefined : "Conversation"}>
      {detail ? (
        <ConversationBody
          detail={detail}
          caps={caps}
          me={user?.id}
          people={users.data ?? []}
          flow={flow.data}
          flows={flows.data ?? []}
          numberName={numberName}
          actions={actions}
          back={back}
        />
      ) : query.isError ? (
        <div className="nothing-open">
          <div className="conv-back">{back}</div>
          <h2>Cannot open this conversation</h2>
          <p>{describeError(query.error)}</p>
          <button type="button" className="btn btn-secondary btn-sm" onClick={() => void query.refetch()}>
            Try again
          </button>
        </div>
      ) : (
        <div className="conv-loading" aria-label="Loading the conversation" role="status">
          <div className="conv-back">{back}</div>
          <span className="skeleton skeleton-line" />
          <span className="skeleton skeleton-line short" />
          <span className="skeleton skeleton-block" />
        </div>
      )}
    </section>
  );
}
