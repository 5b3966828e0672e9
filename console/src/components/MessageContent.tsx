// The inside of one history bubble: a message's parts in words and cards, never its raw JSON.

import type { ReactNode } from "react";
import type { MediaRef } from "../api/types";
import type { Markers, MediaKind } from "../content";
import { reactionText } from "../messages";
import type { Described } from "../messages";
import {
  AudioIcon,
  CartIcon,
  ExternalIcon,
  FileIcon,
  FormIcon,
  ForwardIcon,
  ImageIcon,
  PinIcon,
  ReplyIcon,
  StickerIcon,
  TemplateIcon,
  UserIcon,
  VideoIcon,
} from "./icons";
import { MediaFile } from "./MediaView";

const MEDIA_ICON: Record<MediaKind, () => ReactNode> = {
  image: () => <ImageIcon size={20} />,
  audio: () => <AudioIcon size={20} />,
  video: () => <VideoIcon size={20} />,
  document: () => <FileIcon size={20} />,
  sticker: () => <StickerIcon size={20} />,
};

// Meta keeps media behind an authenticated download the server does not offer yet.
const NOT_VIEWABLE = "The file itself cannot be shown here yet: the console cannot download WhatsApp media.";

/** Finds the words of an earlier message by its WhatsApp id, when the history holds it. */
export type Quote = (wamid: string | null) => string | null;

function Quoted({ text }: { text: string | null }) {
  if (!text) return null;
  const short = text.length > 90 ? `${text.slice(0, 88).trimEnd()}…` : text;
  return <span className="quote">{short}</span>;
}

function Card({ icon, label, children }: { icon: ReactNode; label: string; children?: ReactNode }) {
  return (
    <div className="card-part">
      <span className="media-icon">{icon}</span>
      <span className="media-text">
        <span className="media-label">{label}</span>
        {children}
      </span>
    </div>
  );
}

function Media({ d, file }: { d: Extract<Described, { type: "media" }>; file?: MediaRef | null }) {
  if (file) {
    return (
      <>
        <div className={`media-card media-${d.media} media-${file.status}`}>
          <MediaFile part={d} media={file} icon={MEDIA_ICON[d.media]()} />
        </div>
        {(d.caption ?? file.caption) && <p className="bubble-text">{d.caption ?? file.caption}</p>}
      </>
    );
  }
  const document = d.media === "document";
  const note = document
    ? (d.fileType ?? (d.filename ? "Document" : null))
    : [d.animated ? "Animated" : null, d.fileType].filter(Boolean).join(" · ") || null;
  return (
    <>
      <div className={`media-card media-${d.media}`} title={NOT_VIEWABLE}>
        <Card icon={MEDIA_ICON[d.media]()} label={document ? (d.filename ?? d.label) : d.label}>
          {note && <span className="media-note">{note}</span>}
          <span className="sr-only">{NOT_VIEWABLE}</span>
        </Card>
      </div>
      {d.caption && <p className="bubble-text">{d.caption}</p>}
    </>
  );
}

function Location({ d }: { d: Extract<Described, { type: "location" }> }) {
  return (
    <div className="place-card">
      <Card icon={<PinIcon size={20} />} label={d.name ?? "Location"}>
        {d.address && <span className="media-note place-address">{d.address}</span>}
        {d.coordinates && <span className="media-note place-coords">{d.coordinates}</span>}
        {d.mapUrl && (
          <a className="place-link" href={d.mapUrl} target="_blank" rel="noopener noreferrer">
            Open map <ExternalIcon size={12} />
          </a>
        )}
      </Card>
    </div>
  );
}

function Contacts({ d }: { d: Extract<Described, { type: "contacts" }> }) {
  const n = d.cards.length;
  return (
    <div className="contact-cards">
      <span className="bubble-kicker">{n === 1 ? "Shared a contact" : `Shared ${n} contacts`}</span>
      <ul aria-label="Shared contacts">
        {d.cards.map((c, i) => (
          <li key={`${c.name}-${i}`}>
            <Card icon={<UserIcon size={18} />} label={c.name}>
              {c.phones.map((p, j) => (
                <span key={`p-${j}`} className="media-note contact-line">
                  {p.number}
                  {p.label && <span className="contact-type"> · {p.label}</span>}
                </span>
              ))}
              {c.emails.map((e, j) => (
                <span key={`e-${j}`} className="media-note contact-line">
                  {e}
                </span>
              ))}
              {c.phones.length === 0 && c.emails.length === 0 && (
                <span className="media-note">No phone number on the card</span>
              )}
            </Card>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Order({ d }: { d: Extract<Described, { type: "order" }> }) {
  return (
    <>
      <div className="order-card">
        <span className="bubble-kicker">
          <CartIcon size={13} /> Order
        </span>
        {d.lines.length > 0 ? (
          <ul className="order-lines" aria-label="Items ordered">
            {d.lines.map((l, i) => (
              <li key={`${l.item}-${i}`}>
                <span className="order-qty">{l.quantity} ×</span>
                <span className="order-item">{l.item}</span>
                {l.price && <span className="order-price">{l.quantity > 1 ? `${l.price} each` : l.price}</span>}
              </li>
            ))}
          </ul>
        ) : (
          <p className="media-note">The order lists no items.</p>
        )}
        {d.total && (
          <p className="order-total">
            <span>Total</span>
            <span>{d.total}</span>
          </p>
        )}
      </div>
      {d.text && <p className="bubble-text">{d.text}</p>}
    </>
  );
}

/** `media`: the file of a contact's media message, when the history has it. */
export function Content({ d, quote, media }: { d: Described; quote: Quote; media?: MediaRef | null }) {
  switch (d.type) {
    case "text":
      return <p className="bubble-text">{d.text}</p>;
    case "media":
      return <Media d={d} file={media} />;
    case "location":
      return <Location d={d} />;
    case "contacts":
      return <Contacts d={d} />;
    case "order":
      return <Order d={d} />;
    case "reply":
      return (
        <>
          <span className="bubble-kicker">{d.label}</span>
          <p className="bubble-text bubble-reply">{d.text}</p>
          {d.detail && <p className="media-note">{d.detail}</p>}
        </>
      );
    case "form":
      return (
        <div className="form-answers">
          <span className="bubble-kicker">
            <FormIcon size={13} /> {d.label}
          </span>
          {d.answers.length > 0 && (
            <dl>
              {d.answers.map((a, i) => (
                <div key={`${a.label}-${i}`} className="form-answer">
                  <dt>{a.label}</dt>
                  <dd>{a.value}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
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
        <>
          <p className="bubble-text reaction">
            {d.emoji ? (
              <>
                Reacted <span className="reaction-emoji">{d.emoji}</span> to a message
              </>
            ) : (
              <span className="muted">{reactionText(null)}</span>
            )}
          </p>
          <Quoted text={quote(d.messageId)} />
        </>
      );
    case "notice":
      return <p className="bubble-text notice">{d.text}</p>;
  }
}

/** Small labels above an inbound message: a reply, forwarded, written from a product. */
export function MessageMarks({ marks, quote }: { marks: Markers; quote: Quote }) {
  if (!marks.replyTo && !marks.forwarded && !marks.aboutProduct) return null;
  const quoted = quote(marks.replyTo);
  return (
    <>
      <span className="bubble-marks">
        {marks.replyTo && (
          <span className="mark" title={quoted ? undefined : "A reply to an earlier message"}>
            <ReplyIcon size={12} /> Reply
          </span>
        )}
        {marks.forwarded && (
          <span className="mark">
            <ForwardIcon size={12} /> {marks.forwarded}
          </span>
        )}
        {marks.aboutProduct && (
          <span className="mark">
            <CartIcon size={12} /> About a product
          </span>
        )}
      </span>
      <Quoted text={quoted} />
    </>
  );
}
