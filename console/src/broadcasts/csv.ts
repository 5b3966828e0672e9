// A recipient CSV read as the API reads it (domain/broadcasts.parse_csv), to preview it and
// check its columns against the template's parameters before anything is sent.

import { needs } from "../templates/types";
import type { Requirements } from "../templates/types";

export const PHONE_COLUMNS = ["phone", "wa_id", "to", "number"];

/** Rows of a CSV text: quoted fields ("a, b", doubled quotes), CRLF or LF, a BOM dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const src = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((v) => v.trim() !== ""));
}

export type ColumnRole =
  | { role: "phone" }
  | { role: "header" }
  | { role: "button"; index: number }
  | { role: "body"; position: number }
  | { role: "named"; name: string }
  | { role: "ignored" };

export function columnRole(column: string, phoneColumn: string | null): ColumnRole {
  const c = column.trim();
  const lowered = c.toLowerCase();
  if (!c) return { role: "ignored" };
  if (c === phoneColumn) return { role: "phone" };
  if (lowered === "header") return { role: "header" };
  if ((lowered.startsWith("button.") || lowered.startsWith("button_")) && /^\d+$/.test(lowered.slice(7))) {
    return { role: "button", index: Number(lowered.slice(7)) };
  }
  const bare = c.replace(/^body\./, "");
  if (/^\d+$/.test(bare)) return { role: "body", position: Number(bare) };
  return { role: "named", name: bare };
}

export interface CsvCheck {
  columns: string[];
  roles: ColumnRole[];
  rows: string[][];
  problems: string[];
  /** What matches, in words ("2 body parameters, as the template needs"). */
  fine: string[];
}

const same = (a: number[], b: number[]) => a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

/** The CSV's columns against the template's parameters, and its rows' empty values. */
export function checkCsv(text: string, requirements: Requirements | null | undefined): CsvCheck {
  const all = parseCsv(text);
  const columns = (all[0] ?? []).map((c) => c.trim());
  const rows = all.slice(1);
  const problems: string[] = [];
  const fine: string[] = [];
  const phoneColumn = columns.find((c) => PHONE_COLUMNS.includes(c.toLowerCase())) ?? null;
  const roles = columns.map((c) => columnRole(c, phoneColumn));
  if (columns.length === 0) return { columns, roles, rows, problems: ["The list is empty."], fine };
  if (!phoneColumn) problems.push(`No phone column: name one ${PHONE_COLUMNS.join(", ")}.`);
  if (rows.length === 0) problems.push("No recipient: the list has a header row only.");
  else fine.push(`${rows.length} recipient${rows.length === 1 ? "" : "s"}`);

  if (requirements) {
    const need = needs(requirements);
    const has = (role: ColumnRole["role"]) => roles.filter((r) => r.role === role);
    const header = has("header").length > 0;
    if (need.header && !header) problems.push("The template's header takes a parameter: add a header column.");
    if (!need.header && header) problems.push("The template's header takes no parameter: remove the header column.");
    if (need.header && header) fine.push(`header parameter${need.headerFormat && need.headerFormat !== "TEXT" ? ` (${need.headerFormat.toLowerCase()} link)` : ""}`);

    const positional = has("body").length;
    const named = roles.flatMap((r) => (r.role === "named" ? [r.name] : []));
    if (need.bodyNames.length > 0) {
      const missing = need.bodyNames.filter((n) => !named.includes(n));
      const extra = named.filter((n) => !need.bodyNames.includes(n));
      if (missing.length) problems.push(`Missing body column${missing.length === 1 ? "" : "s"}: ${missing.join(", ")}.`);
      if (extra.length) problems.push(`Not parameters of the template: ${extra.join(", ")}.`);
      if (positional) problems.push("The template takes named parameters, not numbered columns.");
      if (!missing.length && !extra.length && !positional) fine.push(`body parameters ${need.bodyNames.join(", ")}`);
    } else {
      if (named.length) problems.push(`Not parameters of the template: ${named.join(", ")} (body columns are numbered 1, 2…).`);
      if (positional !== need.body) {
        problems.push(`The template's body takes ${need.body} parameter${need.body === 1 ? "" : "s"}; the list has ${positional}.`);
      } else if (need.body) fine.push(`${need.body} body parameter${need.body === 1 ? "" : "s"}, as the template needs`);
    }

    const buttons = roles.flatMap((r) => (r.role === "button" ? [r.index] : []));
    if (!same(buttons, need.buttons)) {
      problems.push(
        need.buttons.length
          ? `The template's buttons take parameters: columns ${need.buttons.map((i) => `button.${i}`).join(", ")}.`
          : "The template's buttons take no parameter: remove the button columns.",
      );
    } else if (buttons.length) fine.push(`button parameter${buttons.length === 1 ? "" : "s"}`);

    const needed = roles.map((r) => r.role === "phone" || r.role === "header" || r.role === "button" || r.role === "body" || r.role === "named");
    const empty = rows.filter((row) => columns.some((_, i) => needed[i] && !(row[i] ?? "").trim())).length;
    if (empty) problems.push(`${empty} row${empty === 1 ? " has" : "s have"} an empty value.`);
  }
  return { columns, roles, rows, problems, fine };
}
