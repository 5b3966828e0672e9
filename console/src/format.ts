// Times, durations and names as people read them.

/** How long something has waited, in the largest unit that fits ("42s", "2m", "3h 20m"). */
export function waited(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** Seconds from an ISO time to `now` (ms). */
export function secondsSince(iso: string | null | undefined, now: number): number {
  if (!iso) return 0;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.max(0, (now - t) / 1000);
}

export type WindowPhase = "open" | "closing" | "closed";

export interface WindowLeft {
  phase: WindowPhase;
  /** "23h 05m left", "14m 09s left", "Closed 3h ago" */
  text: string;
  /** A short form for tight places: "23h 05m", "14m", "closed" */
  short: string;
  msLeft: number;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The 24-hour window's time left at `now`; under an hour left it is "closing". */
export function windowLeft(expiresAt: string | null | undefined, now: number): WindowLeft {
  const end = expiresAt ? Date.parse(expiresAt) : Number.NaN;
  if (Number.isNaN(end) || end <= now) {
    const ago = Number.isNaN(end) ? null : (now - end) / 1000;
    return {
      phase: "closed",
      text: ago === null ? "Closed" : `Closed ${waited(ago)} ago`,
      short: "closed",
      msLeft: 0,
    };
  }
  const left = Math.floor((end - now) / 1000);
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  const body = h > 0 ? `${h}h ${pad(m)}m` : m > 0 ? `${m}m ${pad(s)}s` : `${s}s`;
  return {
    phase: left < 3600 ? "closing" : "open",
    text: `${body} left`,
    short: h > 0 ? `${h}h ${pad(m)}m` : m > 0 ? `${m}m` : `${s}s`,
    msLeft: end - now,
  };
}

function sameDay(a: Date, b: Date): boolean {
  return (
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
  );
}

export function clock(iso: string, locale?: string): string {
  return new Date(iso).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

/** A list row's time: "14:05" today, "Yesterday", a weekday within a week, else "12 Mar". */
export function shortWhen(iso: string, now: number, locale?: string): string {
  const d = new Date(iso);
  const today = new Date(now);
  if (sameDay(d, today)) return clock(iso, locale);
  const yesterday = new Date(now - 86400_000);
  if (sameDay(d, yesterday)) return "Yesterday";
  if (now - d.getTime() < 6 * 86400_000) return d.toLocaleDateString(locale, { weekday: "short" });
  const sameYear = d.getFullYear() === today.getFullYear();
  return d.toLocaleDateString(locale, {
    day: "numeric",
    month: "short",
    ...(sameYear ? {} : { year: "numeric" }),
  });
}

/** A day separator in the history: "Today", "Yesterday", "Monday 12 March 2026". */
export function dayLabel(iso: string, now: number, locale?: string): string {
  const d = new Date(iso);
  if (sameDay(d, new Date(now))) return "Today";
  if (sameDay(d, new Date(now - 86400_000))) return "Yesterday";
  return d.toLocaleDateString(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  });
}

export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** A WhatsApp id as a phone number: "5511912345678" → "+55 11 91234 5678"-ish, kept simple. */
export function phoneLabel(phone: string): string {
  const digits = phone.replace(/^\+/, "");
  if (!/^\d{6,15}$/.test(digits)) return phone;
  return `+${digits}`;
}

/** Initials for an avatar: "Lin Tester" → "LT", "+5511…" → "#". */
export function initials(name: string | null | undefined): string {
  const words = (name ?? "").trim().split(/\s+/).filter((w) => /\p{L}/u.test(w));
  if (words.length === 0) return "#";
  const first = words[0][0] ?? "";
  const last = words.length > 1 ? (words[words.length - 1][0] ?? "") : "";
  return (first + last).toUpperCase();
}
