// The shapes of /templates (services/analytics/.../api/templates.py), and reading them in words.

import { obj, str } from "../content";

export const TEMPLATE_STATUSES = ["APPROVED", "PENDING", "PAUSED", "REJECTED", "DISABLED"] as const;

/** The parameters a send of the template must give (pytake_shared.templates.Requirements). */
export interface Requirements {
  header?: number;
  header_format?: string | null;
  body?: number;
  body_names?: string[];
  buttons?: number[];
  total?: number;
}

export interface Template {
  organization_id: string;
  waba_id: string;
  name: string;
  language: string;
  meta_id: string;
  status: string;
  category: string;
  parameter_format: string;
  components: Record<string, unknown>[];
  requirements: Requirements;
  reason: string | null;
  synced_at: string;
  status_changed_at: string;
}

export interface TemplatePage {
  templates: Template[];
  total: number;
  page: number;
  per_page: number;
}

export interface SyncOut {
  synced: number;
  removed: number;
  wabas: string[];
  errors: string[];
}

const STATUS_TONE: Record<string, string> = {
  APPROVED: "green",
  PENDING: "amber",
  PAUSED: "orange",
  REJECTED: "red",
  DISABLED: "grey",
};

export function statusTone(status: string): string {
  return STATUS_TONE[status.toUpperCase()] ?? "grey";
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Header (image) · Body · Footer · 2 buttons". */
export function componentsSummary(components: unknown): string {
  if (!Array.isArray(components)) return "";
  const out: string[] = [];
  for (const c of components.map(obj)) {
    const type = (str(c.type) ?? "").toUpperCase();
    if (type === "HEADER") {
      const format = (str(c.format) ?? "TEXT").toLowerCase();
      out.push(`Header (${format})`);
    } else if (type === "BODY") out.push("Body");
    else if (type === "FOOTER") out.push("Footer");
    else if (type === "BUTTONS") {
      const n = Array.isArray(c.buttons) ? c.buttons.length : 0;
      out.push(plural(n, "button"));
    } else if (type) out.push(`${type[0]}${type.slice(1).toLowerCase()}`);
  }
  return out.join(" · ");
}

/** How many parameters each part takes. */
export function needs(r: Requirements | null | undefined) {
  const header = r?.header ?? 0;
  const bodyNames = r?.body_names ?? [];
  const body = bodyNames.length > 0 ? bodyNames.length : (r?.body ?? 0);
  const buttons = r?.buttons ?? [];
  return { header, headerFormat: r?.header_format ?? null, body, bodyNames, buttons, total: r?.total ?? header + body + buttons.length };
}

/** "None" or "3: header 1, body 2" or "body 2 (name, order)". */
export function parametersText(r: Requirements | null | undefined): string {
  const n = needs(r);
  if (n.total === 0) return "None";
  const parts: string[] = [];
  if (n.header) parts.push(`header ${n.header}`);
  if (n.body) parts.push(n.bodyNames.length ? `body ${n.body} (${n.bodyNames.join(", ")})` : `body ${n.body}`);
  if (n.buttons.length) parts.push(`${n.buttons.length === 1 ? "button" : "buttons"} ${n.buttons.length}`);
  return `${n.total}: ${parts.join(", ")}`;
}
