import { Fragment, useCallback, useLayoutEffect, useMemo, useRef } from "react";
import type { ReactNode } from "react";
import type { HistoryMessage } from "../api/types";
import { markers, obj } from "../content";
import { clock, dayKey, dayLabel } from "../format";
import { describe, preview } from "../messages";
import type { Pending } from "../messages";
import { Ticks, tickOf } from "../ticks";
import { useNow } from "../useNow";
import { AgentIcon, BotIcon, ClockIcon } from "./icons";
import { Content, MessageMarks } from "./MessageContent";
import type { Quote } from "./MessageContent";

function AuthorLabel({ m, contactName }: { m: HistoryMessage; contactName: string }) {
  if (m.author === "contact") return <span className="author author-contact">{contactName}</span>;
  if (m.author === "bot")
    return (
      <span className="author author-bot">
        <BotIcon size={13} /> Bot{m.node_id ? <span className="author-node"> · {m.node_id}</span> : null}
      </span>
    );
  return (
    <span className="author author-agent">
      <AgentIcon size={13} /> Agent
    </span>
  );
}

function Bubble({
  m,
  first,
  contactName,
  quote,
}: {
  m: HistoryMessage;
  first: boolean;
  contactName: string;
  quote: Quote;
}) {
  const d = describe(m);
  const tick = m.direction === "out" ? tickOf(m.status, m.error_code, m.error_reason) : null;
  return (
    <li className={`msg msg-${m.author} ${first ? "msg-first" : ""}`} data-status={m.status}>
      {first && <AuthorLabel m={m} contactName={contactName} />}
      <div className={`bubble ${tick?.tone === "red" ? "bubble-failed" : ""}`}>
        {m.direction === "in" && <MessageMarks marks={markers(m.kind, obj(m.body))} quote={quote} />}
        <Content d={d} quote={quote} media={m.direction === "in" ? m.media : null} />
        <span className="bubble-foot">
          <time dateTime={m.at} title={new Date(m.at).toLocaleString()}>
            {clock(m.at)}
          </time>
          {m.direction === "out" && (
            <Ticks status={m.status} errorCode={m.error_code} errorReason={m.error_reason} />
          )}
        </span>
      </div>
      {tick?.detail && (
        <p className={`msg-detail tone-${tick.tone}`} role="note">
          {tick.detail}
          {tick.reason && <span className="msg-reason">WhatsApp says: {tick.reason}</span>}
        </p>
      )}
    </li>
  );
}

function PendingBubble({
  p,
  onRetry,
  onDismiss,
}: {
  p: Pending;
  onRetry(p: Pending): void;
  onDismiss(p: Pending): void;
}) {
  return (
    <li className={`msg msg-agent msg-pending ${p.state === "failed" ? "is-failed" : ""}`}>
      <div className={`bubble ${p.state === "failed" ? "bubble-failed" : ""}`}>
        {p.template ? (
          <p className="bubble-text">
            <span className="bubble-kicker">Template</span> <strong>{p.text}</strong>
          </p>
        ) : (
          <p className="bubble-text">{p.text}</p>
        )}
        <span className="bubble-foot">
          {p.state === "sending" ? (
            <span className="sending" role="img" aria-label="Sending">
              <ClockIcon size={12} /> Sending…
            </span>
          ) : (
            <span className="tone-red">Not sent</span>
          )}
        </span>
      </div>
      {p.state === "failed" && (
        <p className="msg-detail tone-red" role="alert">
          {p.error}{" "}
          {!p.template && (
            <button type="button" className="link-btn" onClick={() => onRetry(p)}>
              Retry
            </button>
          )}{" "}
          <button type="button" className="link-btn" onClick={() => onDismiss(p)}>
            Dismiss
          </button>
        </p>
      )}
    </li>
  );
}

export function History({
  messages,
  pending,
  contactName,
  truncated,
  onRetry,
  onDismiss,
}: {
  messages: HistoryMessage[];
  pending: Pending[];
  contactName: string;
  truncated: boolean;
  onRetry(p: Pending): void;
  onDismiss(p: Pending): void;
}) {
  const now = useNow();
  const scroller = useRef<HTMLDivElement>(null);
  const count = messages.length + pending.length;
  const last = messages[messages.length - 1];
  const lastStatus = last ? `${last.id}:${last.status}` : "";
  const stuck = useRef(true);
  const byWamid = useMemo(
    () => new Map(messages.filter((m) => m.message_id).map((m) => [m.message_id as string, m])),
    [messages],
  );
  const quote = useCallback<Quote>(
    (wamid) => {
      const earlier = wamid ? byWamid.get(wamid) : undefined;
      return earlier ? preview(earlier) : null;
    },
    [byWamid],
  );

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stuck.current) el.scrollTop = el.scrollHeight;
  }, [count, lastStatus]);

  const onScroll = () => {
    const el = scroller.current;
    if (el) stuck.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };

  let day = "";
  let conversation = "";
  let previous: HistoryMessage | null = null;
  return (
    <div className="history" ref={scroller} onScroll={onScroll} role="log" aria-label="Message history">
      {truncated && <p className="history-note">Showing the latest {messages.length} messages.</p>}
      {messages.length === 0 && pending.length === 0 && (
        <p className="history-note">No messages yet.</p>
      )}
      <ol className="messages">
        {messages.map((m) => {
          const items: ReactNode[] = [];
          const k = dayKey(m.at);
          if (k !== day) {
            day = k;
            items.push(
              <li key={`day-${k}`} className="sep sep-day" aria-hidden="false">
                <span>{dayLabel(m.at, now)}</span>
              </li>,
            );
            previous = null;
          }
          if (conversation && m.conversation_id !== conversation) {
            items.push(
              <li key={`conv-${m.id}`} className="sep sep-conv">
                <span>New conversation</span>
              </li>,
            );
            previous = null;
          }
          conversation = m.conversation_id;
          const prev: HistoryMessage | null = previous;
          const first =
            !prev ||
            prev.author !== m.author ||
            Date.parse(m.at) - Date.parse(prev.at) > 5 * 60_000;
          previous = m;
          items.push(<Bubble key={m.id} m={m} first={first} contactName={contactName} quote={quote} />);
          return <Fragment key={`g-${m.id}`}>{items}</Fragment>;
        })}
        {pending.map((p) => (
          <PendingBubble key={p.id} p={p} onRetry={onRetry} onDismiss={onDismiss} />
        ))}
      </ol>
    </div>
  );
}
