// What a history message is, in words and parts a bubble can show (never its raw JSON).

import type { HistoryMessage } from "./api/types";

export const MEDIA_KINDS = ["image", "audio", "video", "document", "sticker"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export type Described =
  | { type: "text"; text: string }
  | { type: "media"; media: MediaKind; label: string; caption: string | null; filename: string | null }
  | { type: "location"; label: string; detail: string | null }
  | { type: "reply"; text: string; label: string }
  | { type: "choices"; text: string; options: string[]; label: string }
  | { type: "template"; name: string; language: string | null; parameters: string[] }
  | { type: "reaction"; emoji: string }
  | { type: "notice"; text: string };

const MEDIA_LABEL: Record<MediaKind, string> = {
  image: "Photo",
  audio: "Audio",
  video: "Video",
  document: "Document",
  sticker: "Sticker",
};

function str(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function isMedia(kind: string): kind is MediaKind {
  return (MEDIA_KINDS as readonly string[]).includes(kind);
}

function media(kind: MediaKind, part: Record<string, unknown>, text: string | null): Described {
  const voice = kind === "audio" && part.voice === true;
  return {
    type: "media",
    media: kind,
    label: voice ? "Voice message" : MEDIA_LABEL[kind],
    caption: str(part.caption) ?? text,
    filename: str(part.filename),
  };
}

function titles(items: unknown): string[] {
  return Array.isArray(items)
    ? items.map((i) => str(obj(i).title) ?? str(obj(i).id)).filter((t): t is string => t !== null)
    : [];
}

function templateParameters(components: unknown): string[] {
  if (!Array.isArray(components)) return [];
  const out: string[] = [];
  for (const component of components) {
    const parameters = obj(component).parameters;
    if (!Array.isArray(parameters)) continue;
    for (const p of parameters) {
      const text = str(obj(p).text) ?? str(obj(p).payload);
      if (text) out.push(text);
    }
  }
  return out;
}

function location(part: Record<string, unknown>, text: string | null): Described {
  const name = str(part.name);
  const address = str(part.address);
  const lat = typeof part.latitude === "number" ? part.latitude : null;
  const lon = typeof part.longitude === "number" ? part.longitude : null;
  const coords = lat !== null && lon !== null ? `${lat.toFixed(5)}, ${lon.toFixed(5)}` : null;
  const detail = [name, address].filter(Boolean).join(" · ") || coords || text;
  return { type: "location", label: "Location", detail };
}

function inbound(m: HistoryMessage): Described {
  const text = str(m.text);
  const body = obj(m.body);
  const kind = m.kind;
  if (kind === "text") return text ? { type: "text", text } : { type: "notice", text: "Empty message" };
  if (isMedia(kind)) return media(kind, obj(body[kind]), text);
  if (kind === "location") return location(obj(body.location), text);
  if (kind === "interactive") {
    const part = obj(body.interactive);
    const reply = obj(part.button_reply ?? part.list_reply);
    const title = str(reply.title) ?? text;
    const label = part.list_reply ? "Chose from the list" : "Tapped a button";
    if (title) return { type: "reply", text: title, label };
    return { type: "notice", text: "Answered an interactive message" };
  }
  if (kind === "button") {
    const title = str(obj(body.button).text) ?? text;
    return title
      ? { type: "reply", text: title, label: "Tapped a button" }
      : { type: "notice", text: "Tapped a button" };
  }
  if (kind === "reaction") {
    const emoji = str(obj(body.reaction).emoji) ?? text;
    return emoji ? { type: "reaction", emoji } : { type: "notice", text: "Removed a reaction" };
  }
  if (kind === "contacts") return { type: "notice", text: "Shared a contact card" };
  if (kind === "order") return { type: "notice", text: text ? `Placed an order: ${text}` : "Placed an order" };
  if (text) return { type: "text", text };
  return { type: "notice", text: "A message the console cannot show yet" };
}

function outbound(m: HistoryMessage): Described {
  const body = obj(m.body);
  const text = str(body.text) ?? str(m.text);
  const kind = str(body.kind) ?? m.kind;
  switch (kind) {
    case "text":
      return text ? { type: "text", text } : { type: "notice", text: "Empty message" };
    case "media": {
      const type = str(body.media_type) ?? "document";
      return media(isMedia(type) ? type : "document", body, str(body.caption));
    }
    case "buttons":
      return { type: "choices", text: text ?? "", options: titles(body.buttons), label: "Buttons" };
    case "list": {
      const rows = Array.isArray(body.sections)
        ? body.sections.flatMap((s) => titles(obj(s).rows))
        : [];
      return { type: "choices", text: text ?? "", options: rows, label: str(body.button_text) ?? "List" };
    }
    case "template":
      return {
        type: "template",
        name: str(body.template_name) ?? str(m.text) ?? "template",
        language: str(body.language_code),
        parameters: templateParameters(body.components),
      };
    case "reaction":
      return { type: "reaction", emoji: str(body.emoji) ?? "" };
    default:
      return text ? { type: "text", text } : { type: "notice", text: "A message the console cannot show yet" };
  }
}

export function describe(m: HistoryMessage): Described {
  return m.direction === "in" ? inbound(m) : outbound(m);
}

/** One line for a preview: what a notification would say. */
export function preview(m: HistoryMessage): string {
  const d = describe(m);
  switch (d.type) {
    case "text":
    case "reply":
      return d.text;
    case "media":
      return d.caption ? `${d.label}: ${d.caption}` : d.label;
    case "location":
      return d.detail ? `Location: ${d.detail}` : "Location";
    case "choices":
      return d.text || d.label;
    case "template":
      return `Template ${d.name}`;
    case "reaction":
      return `Reacted ${d.emoji}`;
    case "notice":
      return d.text;
  }
}

export const AUTHOR_LABEL: Record<HistoryMessage["author"], string> = {
  contact: "Contact",
  bot: "Bot",
  agent: "Agent",
};

/** A message the agent sent that the history does not show yet. */
export interface Pending {
  id: string;
  conversationKey: string;
  text: string;
  template: boolean;
  sentAt: number;
  state: "sending" | "failed";
  error?: string;
}

/** The pending messages the history does not show yet (each history message matches one). */
export function reconcile(pending: Pending[], messages: HistoryMessage[]): Pending[] {
  const used = new Set<string>();
  return pending.filter((p) => {
    if (p.state === "failed") return true;
    const found = messages.find(
      (m) =>
        !used.has(m.id) &&
        m.direction === "out" &&
        m.author === "agent" &&
        (m.text ?? "").trim() === p.text.trim() &&
        Date.parse(m.at) >= p.sentAt - 120_000,
    );
    if (found) used.add(found.id);
    return !found;
  });
}
