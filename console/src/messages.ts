// What a history message is, in words and parts a bubble can show (never its raw JSON).

import type { HistoryMessage, InboundBody } from "./api/types";
import { cards, formAnswers, isMedia, mediaPart, obj, order, place, str } from "./content";
import type { Card, MediaPart, Order, Place } from "./content";

export type Described =
  | { type: "text"; text: string }
  | ({ type: "media" } & MediaPart)
  | ({ type: "location" } & Place)
  | { type: "contacts"; cards: Card[] }
  | { type: "reply"; text: string; label: string; detail: string | null }
  | { type: "form"; label: string; answers: { label: string; value: string }[] }
  | { type: "choices"; text: string; options: string[]; label: string }
  | { type: "template"; name: string; language: string | null; parameters: string[] }
  /** `emoji` null: the reaction was taken back. `messageId`: the wamid reacted to. */
  | { type: "reaction"; emoji: string | null; messageId: string | null }
  | ({ type: "order"; text: string | null } & Order)
  | { type: "notice"; text: string };

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

function interactive(part: Record<string, unknown>, text: string | null): Described {
  if (part.type === "nfm_reply") {
    // A flow's form sent back: Meta's `body` is a bare "Sent"; the answers say more.
    const label = part.name === "address_message" ? "Sent an address" : "Sent a form";
    return { type: "form", label, answers: formAnswers(part.response_json) };
  }
  const title = str(part.title) ?? text;
  const label = part.type === "list_reply" ? "Chose from the list" : "Tapped a button";
  if (title) return { type: "reply", text: title, label, detail: str(part.description) };
  return { type: "notice", text: "Answered an interactive message" };
}

const CANNOT_SHOW: Described = { type: "notice", text: "A message the console cannot show yet" };

function inbound(m: HistoryMessage): Described {
  const text = str(m.text);
  // The contract names the parts; each is still read defensively (a webhook may omit any).
  const body: InboundBody = obj(m.body);
  const kind = m.kind;
  switch (kind) {
    case "text":
      return text ? { type: "text", text } : { type: "notice", text: "Empty message" };
    case "location":
      return { type: "location", ...place(obj(body.location)) };
    case "interactive":
      return interactive(obj(body.interactive), text);
    case "button": {
      const title = str(obj(body.button).text) ?? text;
      return title
        ? { type: "reply", text: title, label: "Tapped a button", detail: null }
        : { type: "notice", text: "Tapped a button" };
    }
    case "reaction": {
      const part = obj(body.reaction);
      const emoji = part.removed === true ? null : (str(part.emoji) ?? text);
      return { type: "reaction", emoji, messageId: str(part.message_id) };
    }
    case "contacts": {
      const shared = cards(body.contacts);
      return shared.length > 0 ? { type: "contacts", cards: shared } : { type: "notice", text: "Shared a contact card" };
    }
    case "order":
      return { type: "order", text: str(obj(body.order).text) ?? text, ...order(obj(body.order)) };
    case "unsupported":
    case "unknown":
      return { type: "notice", text: "A kind of message WhatsApp does not pass on to businesses" };
    case "revoke":
      return { type: "notice", text: "Deleted a message" };
    case "edit":
      return { type: "notice", text: text ? `Edited a message: ${text}` : "Edited a message" };
  }
  if (isMedia(kind)) return { type: "media", ...mediaPart(kind, obj(body.media), text) };
  return text ? { type: "text", text } : CANNOT_SHOW;
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
      return { type: "media", ...mediaPart(isMedia(type) ? type : "document", body, str(body.caption)) };
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
      return { type: "reaction", emoji: str(body.emoji), messageId: str(body.message_id) };
    default:
      return text ? { type: "text", text } : CANNOT_SHOW;
  }
}

export function describe(m: HistoryMessage): Described {
  return m.direction === "in" ? inbound(m) : outbound(m);
}

/** A reaction in words: "Reacted 👍 to a message", "Removed a reaction". */
export function reactionText(emoji: string | null): string {
  return emoji ? `Reacted ${emoji} to a message` : "Removed a reaction";
}

/** One line for a preview: what a notification would say. */
export function preview(m: HistoryMessage): string {
  const d = describe(m);
  switch (d.type) {
    case "text":
    case "reply":
      return d.text;
    case "media":
      return d.caption ? `${d.label}: ${d.caption}` : (d.filename ?? d.label);
    case "location": {
      const where = d.name ?? d.address ?? d.coordinates;
      return where ? `Location: ${where}` : "Location";
    }
    case "contacts":
      return d.cards.length === 1 ? `Contact: ${d.cards[0].name}` : `${d.cards.length} contacts`;
    case "form":
      return d.label;
    case "choices":
      return d.text || d.label;
    case "template":
      return `Template ${d.name}`;
    case "reaction":
      return reactionText(d.emoji);
    case "order": {
      const count = d.lines.reduce((n, l) => n + l.quantity, 0);
      return `Order: ${count} ${count === 1 ? "item" : "items"}${d.total ? `, ${d.total}` : ""}`;
    }
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
