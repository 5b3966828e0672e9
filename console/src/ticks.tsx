// Delivery ticks of an outbound message, as WhatsApp users know them.

export type TickIcon = "one" | "two" | "failed" | "warning" | "clock" | "none";

export interface Tick {
  icon: TickIcon;
  /** The accessible name and the tooltip: "Delivered", "Failed (131047)". */
  label: string;
  tone: "grey" | "dark" | "blue" | "red" | "amber";
  /** A sentence shown under the bubble when something needs attention. */
  detail: string | null;
  /** Meta's own words for a failure, when the console has a sentence of its own too. */
  reason: string | null;
}

// Meta's error codes an agent may meet, in the console's words (Meta's own are often terse).
const META_REASONS: Record<number, string> = {
  131047: "more than 24 hours since the contact last wrote; send a template",
  131026: "the number cannot receive it (not on WhatsApp, or an old app)",
  131049: "Meta held it back to protect engagement; try tomorrow",
  131050: "the contact stopped marketing messages",
  131051: "WhatsApp does not support this message type",
  131053: "the media could not be uploaded",
  131056: "too many messages to this contact in a short time",
  131048: "sending is limited after contacts blocked or reported messages",
  131000: "WhatsApp could not send it",
  131008: "a required part of the message is missing",
  131009: "a part of the message is not valid",
  131021: "the contact is this business number itself",
  131031: "the business account is locked",
  131045: "the business number is not registered",
  130429: "WhatsApp's sending rate was exceeded",
  130472: "the contact is part of a Meta experiment",
  130403: "the business blocked this contact",
  132000: "the template got the wrong number of parameters",
  132001: "the template does not exist in that language",
  132012: "a template parameter has the wrong format",
  132015: "the template is paused",
  132016: "the template is disabled",
};

export function metaReason(code: number | null | undefined): string | null {
  return code != null ? (META_REASONS[code] ?? null) : null;
}

/** A sentence of Meta's words: trimmed, with a full stop. */
function sentence(text: string | null | undefined): string | null {
  const t = text?.trim();
  if (!t) return null;
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function failed(errorCode: number | null | undefined, errorReason: string | null | undefined): Tick {
  const known = metaReason(errorCode);
  const said = sentence(errorReason);
  const code = errorCode != null ? ` (${errorCode})` : "";
  const base = { icon: "failed" as const, label: `Failed${code}`, tone: "red" as const };
  if (known) {
    return { ...base, detail: `Not delivered: error ${errorCode}, ${known}.`, reason: said };
  }
  if (said) return { ...base, detail: `Not delivered${code}: ${said}`, reason: null };
  return { ...base, detail: `Not delivered${errorCode != null ? `: error ${errorCode}` : ""}.`, reason: null };
}

export function tickOf(status: string, errorCode?: number | null, errorReason?: string | null): Tick {
  const quiet = { detail: null, reason: null };
  switch (status) {
    case "queued":
      return { icon: "one", label: "Queued", tone: "grey", ...quiet };
    case "retrying":
      return { icon: "clock", label: "Retrying", tone: "grey", ...quiet };
    case "accepted":
      return { icon: "one", label: "Accepted by WhatsApp", tone: "grey", ...quiet };
    case "sent":
      return { icon: "one", label: "Sent", tone: "dark", ...quiet };
    case "delivered":
      return { icon: "two", label: "Delivered", tone: "dark", ...quiet };
    case "read":
      return { icon: "two", label: "Read", tone: "blue", ...quiet };
    case "failed":
      return failed(errorCode, errorReason);
    case "indefinite":
      return {
        icon: "warning",
        label: "May not have reached the contact",
        tone: "amber",
        detail: "WhatsApp's answer was lost: it may not have reached the contact.",
        reason: null,
      };
    case "cancelled":
      return {
        icon: "failed",
        label: "Not sent",
        tone: "grey",
        detail: "Not sent: the conversation closed before it went out.",
        reason: null,
      };
    default:
      return { icon: "none", label: status, tone: "grey", ...quiet };
  }
}

function Check({ x = 0 }: { x?: number }) {
  return <path d={`M${1.5 + x} 8.5 L${5 + x} 12 L${12 + x} 4.5`} />;
}

export function TickGlyph({ icon }: { icon: TickIcon }) {
  const common = {
    width: icon === "two" ? 18 : 14,
    height: 14,
    fill: "none",
    stroke: "currentColor",
    strokeWidth: 1.7,
    strokeLinecap: "round" as const,
    strokeLinejoin: "round" as const,
    "aria-hidden": true,
  };
  switch (icon) {
    case "one":
      return (
        <svg viewBox="0 0 14 14" {...common}>
          <Check />
        </svg>
      );
    case "two":
      return (
        <svg viewBox="0 0 18 14" {...common}>
          <Check />
          <Check x={4.5} />
        </svg>
      );
    case "clock":
      return (
        <svg viewBox="0 0 14 14" {...common}>
          <circle cx="7" cy="7" r="5.3" />
          <path d="M7 4v3.2l2 1.3" />
        </svg>
      );
    case "failed":
      return (
        <svg viewBox="0 0 14 14" {...common}>
          <circle cx="7" cy="7" r="5.6" />
          <path d="M7 4v3.6M7 9.8v.1" />
        </svg>
      );
    case "warning":
      return (
        <svg viewBox="0 0 14 14" {...common}>
          <path d="M7 1.8 12.8 12H1.2Z" />
          <path d="M7 5.6v3M7 10.4v.1" />
        </svg>
      );
    default:
      return null;
  }
}

/** The ticks of one outbound message: an image with the status as its accessible name. */
export function Ticks({
  status,
  errorCode,
  errorReason,
}: {
  status: string;
  errorCode?: number | null;
  errorReason?: string | null;
}) {
  const tick = tickOf(status, errorCode, errorReason);
  if (tick.icon === "none") return null;
  const said = tick.tone === "red" ? sentence(errorReason) : null;
  return (
    <span
      className={`ticks tone-${tick.tone}`}
      role="img"
      aria-label={tick.label}
      title={said ? `${tick.label}. WhatsApp says: ${said}` : tick.label}
    >
      <TickGlyph icon={tick.icon} />
      {tick.icon === "failed" && <span className="ticks-text">{tick.label}</span>}
    </span>
  );
}
