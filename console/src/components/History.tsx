import { Fragment, useLayoutEffect, useRef } from "react";
import type { ReactNode } from "react";
import type { HistoryMessage } from "../api/types";
import { clock, dayKey, dayLabel } from "../format";
import { describe } from "../messages";
import type { Described, MediaKind, Pending } from "../messages";
import { Ticks, tickOf } from "../ticks";
import { useNow } from "../useNow";
import {
  AgentIcon,
  AudioIcon,
  BotIcon,
  ClockIcon,
  FileIcon,
  ImageIcon,
  PinIcon,
  StickerIcon,
  TemplateIcon,
  VideoIcon,
} from "./icons";

const MEDIA_ICON: Record<MediaKind, () => ReactNode> = {
  image: () => <ImageIcon size={20} />,
  audio: () => <AudioIcon size={20} />,
  video: () => <VideoIcon size={20} />,
  document: () => <FileIcon size={20} />,
  sticker: () => <StickerIcon size={20} />,
};

function Content({ d }: { d: Described }) {
  switch (d.type) {
    case "text":
      return <p className="bubble-text">{d.text}</p>;
    case "media":
      return (
        <>
          <div className="media-ph" role="img" aria-label={`${d.label} (preview not available)`}>
            <span className="media-icon">{MEDIA_ICON[d.media]()}</span>
            <span className="media-text">
              <span className="media-label">{d.filename ?? d.label}</span>
              <span className="media-note">{d.filename ? d.label : "Preview not available yet"}</span>
            </span>
          </div>
          {d.caption && <p className="bubble-text">{d.caption}</p>}
        </>
      );
    case "location":
      return (
        <div className="media-ph">
          <span className="media-icon">
            <PinIcon size={20} />
          </span>
          <span className="media-text">
            <span className="media-label">{d.label}</span>
            {d.detail && <span className="media-note">{d.detail}</span>}
          </span>
        </div>
      );
    case "reply":
      return (
        <>
          <span className="bubble-kicker">{d.label}</span>
          <p className="bubble-text bubble-reply">{d.text}</p>
        </>
      );
    case "choices":
      return (
        <>
          {d.text && <p className="bubble-text">{d.text}</p>}
          {d.options.length > 0 && (
            <ul className="choices" aria-label={d.label === "Buttons" ? "Buttons offered" : `${d.label}: options offered`}>
              {d.options.map((o, i) => (
                <li key={`${o}-${i}`}>{o}</li>
              ))}
            </ul>
          )}
        </>
      );
    case "template":
      return (
        <div className="template-msg">
          <span className="bubble-kicker">
            <TemplateIcon size={13} /> Template
          </span>
          <p className="bubble-text">
            <strong>{d.name}</strong>
            {d.language && <span className="muted"> · {d.language}</span>}
          </p>
          {d.parameters.length > 0 && (
            <p className="template-params">
              {d.parameters.map((p, i) => (
                <span key={i} className="param">
                  {p}
                </span>
              ))}
            </p>
          )}
        </div>
      );
    case "reaction":
      return (
        <p className="bubble-text reaction">
          <span className="reaction-emoji">{d.emoji}</span>
          <span className="muted"> reacted</span>
        </p>
      );
    case "notice":
      return <p className="bubble-text notice">{d.text}</p>;
  }
}

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

function Bubble({ m, first, contactName }: { m: HistoryMessage; first: boolean; contactName: string }) {
  const d = describe(m);
  const tick = m.direction === "out" ? tickOf(m.status, m.error_code) : null;
  return (
    <li className={`msg msg-${m.author} ${first ? "msg-first" : ""}`} data-status={m.status}>
      {first && <AuthorLabel m={m} contactName={contactName} />}
      <div className={`bubble ${tick?.tone === "red" ? "bubble-failed" : ""}`}>
        <Content d={d} />
        <span className="bubble-foot">
          <time dateTime={m.at} title={new Date(m.at).toLocaleString()}>
            {clock(m.at)}
          </time>
          {m.direction === "out" && <Ticks status={m.status} errorCode={m.error_code} />}
        </span>
      </div>
      {tick?.detail && (
        <p className={`msg-detail tone-${tick.tone}`} role="note">
          {tick.detail}
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
          items.push(<Bubble key={m.id} m={m} first={first} contactName={contactName} />);
          return <Fragment key={`g-${m.id}`}>{items}</Fragment>;
        })}
        {pending.map((p) => (
          <PendingBubble key={p.id} p={p} onRetry={onRetry} onDismiss={onDismiss} />
        ))}
      </ol>
    </div>
  );
}
