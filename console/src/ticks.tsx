// Delivery ticks of an outbound message, as WhatsApp users know them.

export type TickIcon = "one" | "two" | "failed" | "warning" | "clock" | "none";

export interface Tick {
  icon: TickIcon;
  /** The accessible name and the tooltip: "Delivered", "Failed (131047)". */
  label: string;
  tone: "grey" | "dark" | "blue" | "red" | "amber";
  /** A sentence shown under the bubble when something needs attention. */
  detail: string | null;
}

// Meta's error codes an agent may meet, in words (the API gives the code only).
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

export function tickOf(status: string, errorCode?: number | null): Tick {
  switch (status) {
    case "queued":
      return { icon: "one", label: "Queued", tone: "grey", detail: null };
    case "retrying":
      return { icon: "clock", label: "Retrying", tone: "grey", detail: null };
    case "accepted":
      return { icon: "one", label: "Accepted by WhatsApp", tone: "grey", detail: null };
    case "sent":
      return { icon: "one", label: "Sent", tone: "dark", detail: null };
    case "delivered":
      return { icon: "two", label: "Delivered", tone: "dark", detail: null };
    case "read":
      return { icon: "two", label: "Read", tone: "blue", detail: null };
    case "failed": {
      const reason = metaReason(errorCode);
      const code = errorCode != null ? ` (${errorCode})` : "";
      return {
        icon: "failed",
        label: `Failed${code}`,
        tone: "red",
        detail: `Not delivered${errorCode != null ? `: error ${errorCode}` : ""}${reason ? `, ${reason}` : ""}.`,
      };
    }
    case "indefinite":
      return {
        icon: "warning",
        label: "May not have reached the contact",
        tone: "amber",
        detail: "WhatsApp's answer was lost: it may not have reached the contact.",
      };
    case "cancelled":
      return {
        icon: "failed",
        label: "Not sent",
        tone: "grey",
        detail: "Not sent: the conversation closed before it went out.",
      };
    default:
      return { icon: "none", label: status, tone: "grey", detail: null };
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
export function Ticks({ status, errorCode }: { status: string; errorCode?: number | null }) {
  const tick = tickOf(status, errorCode);
  if (tick.icon === "none") return null;
  return (
    <span className={`ticks tone-${tick.tone}`} role="img" aria-label={tick.label} title={tick.label}>
      <TickGlyph icon={tick.icon} />
      {tick.icon === "failed" && <span className="ticks-text">{tick.label}</span>}
    </span>
  );
}
