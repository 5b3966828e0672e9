// Meta's limits on what WhatsApp sends, checked while a node is edited (the same numbers and
// field paths as the publish-time validation in pytake_shared.flowdoc, so a warning shown here
// is the error publishing would give).

import type { FlowNode } from "../contract";

export const MAX_BUTTONS = 3;
export const MAX_BUTTON_TITLE = 20;
export const MAX_LIST_ROWS = 10;
export const MAX_ROW_TITLE = 24;
export const MAX_TEXT = 4096;

/** The free-text fields of each type, as `field` or `field.sub` (sent as a message body). */
export const TEXT_FIELDS: Record<string, string[]> = {
  message: ["content", "caption"],
  question: ["content", "validation.errorMessage"],
  end: ["content"],
  handoff: ["transferMessage"],
  interactive_buttons: ["bodyText"],
  interactive_list: ["bodyText"],
};

/** One limit a node breaks; `field` uses the validation's paths (`buttons[1].title`). */
export interface LimitIssue {
  field: string;
  message: string;
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null)
    : [];
}

export function textAt(data: Record<string, unknown>, field: string): unknown {
  const [head, tail] = field.split(".", 2);
  const value = data[head];
  if (!tail) return value;
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[tail] : undefined;
}

function* titles(field: string, key: string, items: Record<string, unknown>[]): Generator<LimitIssue> {
  if (items.length > MAX_BUTTONS) {
    yield { field, message: `${items.length} buttons; WhatsApp shows at most ${MAX_BUTTONS}` };
  }
  for (const [index, item] of items.entries()) {
    const text = item[key];
    if (typeof text === "string" && text.length > MAX_BUTTON_TITLE) {
      yield {
        field: `${field}[${index}].${key}`,
        message: `button title of ${text.length} characters; at most ${MAX_BUTTON_TITLE}`,
      };
    }
  }
}

/** Total rows over a list node's sections. */
export function rowCount(data: Record<string, unknown>): number {
  return list(data.sections).reduce((n, s) => n + list(s.rows).length, 0);
}

export function limitIssues(node: Pick<FlowNode, "type" | "data">): LimitIssue[] {
  const data = node.data ?? {};
  const out: LimitIssue[] = [];
  for (const field of TEXT_FIELDS[node.type] ?? []) {
    const text = textAt(data, field);
    if (typeof text === "string" && text.length > MAX_TEXT) {
      out.push({ field, message: `${text.length} characters; WhatsApp sends at most ${MAX_TEXT}` });
    }
  }
  if (node.type === "interactive_buttons") {
    out.push(...titles("buttons", "title", list(data.buttons)));
  } else if (node.type === "question") {
    const options = list(data.options);
    if (options.length > MAX_LIST_ROWS) {
      out.push({ field: "options", message: `${options.length} options; a list holds at most ${MAX_LIST_ROWS}` });
    } else if (options.length <= MAX_BUTTONS) {
      out.push(...titles("options", "label", options)); // sent as reply buttons
    }
  } else if (node.type === "interactive_list") {
    const rows = rowCount(data);
    if (rows > MAX_LIST_ROWS) {
      out.push({ field: "sections", message: `${rows} rows; a list holds at most ${MAX_LIST_ROWS}` });
    }
    for (const [s, section] of list(data.sections).entries()) {
      for (const [r, row] of list(section.rows).entries()) {
        if (typeof row.title === "string" && row.title.length > MAX_ROW_TITLE) {
          out.push({
            field: `sections[${s}].rows[${r}].title`,
            message: `row title of ${row.title.length} characters; at most ${MAX_ROW_TITLE}`,
          });
        }
      }
    }
  }
  return out;
}

/** "12 / 20", and whether it is over. */
export function counter(text: unknown, max: number): { text: string; over: boolean } {
  const n = typeof text === "string" ? text.length : 0;
  return { text: `${n} / ${max}`, over: n > max };
}
