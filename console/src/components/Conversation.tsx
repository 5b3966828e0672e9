import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import type { To } from "react-router-dom";
import { newId, useActions } from "../actions";
import type { Actions } from "../actions";
import { describeError } from "../api/client";
import type { ConversationDetail, Flow, User } from "../api/types";
import { initials, phoneLabel, secondsSince, waited, windowLeft } from "../format";
import { displayName, handoffReason, holderName, priorityBadge, statusLabel } from "../inbox";
import { reconcile } from "../messages";
import type { Pending } from "../messages";
import { pendingStore, usePending } from "../pending";
import { useConversation, useFlow, useFlows, useNumbers, useUsers } from "../queries";
import type { Caps } from "../roles";
import { useSession } from "../session";
import { useNow } from "../useNow";
import { ActionBar } from "./ActionBar";
import { Composer } from "./Composer";
import type { TemplateDraft } from "./Composer";
import { Details } from "./Details";
import { History } from "./History";
import { MediaRefreshProvider } from "./MediaView";
import { BackIcon, ClockIcon, CloseIcon, InfoIcon } from "./icons";

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
  actions: Actions;
}) {
  const c = detail.conversation;
  const now = useNow();
  const pending = usePending(c.key);
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
        <Link
          className="btn btn-ghost btn-sm replay-link"
          to={{
            pathname: `/replay/${encodeURIComponent(c.phone_number_id)}/${encodeURIComponent(c.phone)}`,
            search: `?conversation=${encodeURIComponent(c.id)}`,
          }}
          title="Step through this conversation's recorded events"
        >
          Replay
        </Link>
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
      <ActionBar detail={detail} caps={caps} me={me} people={people} flows={flows} name={name} actions={actions} />
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
  const queries = useQueryClient();
  // A media link expired (an <img> failed): the history again, with fresh links.
  const refreshMedia = useCallback(
    () => queries.invalidateQueries({ queryKey: ["conversation", number, phone] }),
    [queries, number, phone],
  );
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
        <MediaRefreshProvider refresh={refreshMedia}>
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
        </MediaRefreshProvider>
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
