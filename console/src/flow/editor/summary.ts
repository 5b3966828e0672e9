// One or two lines a node shows on the canvas: its key content, per type.

import type { FlowNode } from "../contract";

function str(value: unknown): string {
  return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
}

function items(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null)
    : [];
}

export function clip(text: string, max = 90): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function summary(node: Pick<FlowNode, "type" | "data">): string[] {
  const d = node.data ?? {};
  switch (node.type) {
    case "start":
      return ["Conversation starts here"];
    case "message":
      return [str(d.content) || (d.mediaType ? `${str(d.mediaType)}: ${str(d.mediaUrl)}` : "(empty message)")];
    case "question":
      return [
        str(d.content) || "(no question)",
        [d.variableName ? `→ {{${str(d.variableName)}}}` : "", str(d.responseType)].filter(Boolean).join(" · "),
      ].filter(Boolean);
    case "condition": {
      const joiner = ` ${str(d.logicOperator) || "AND"} `;
      const text = items(d.conditions)
        .map((c) => [str(c.variable), str(c.operator), str(c.value)].filter(Boolean).join(" "))
        .join(joiner);
      return [text || "(no condition)"];
    }
    case "end":
      return [str(d.content) || "Ends the conversation"];
    case "set_variable":
      return items(d.variables).map((v) => `${str(v.name)} = ${str(v.value)}`).slice(0, 3);
    case "api_call":
    case "webhook":
      return [`${str(d.method) || "GET"} ${str(d.url) || "(no URL)"}`];
    case "interactive_buttons":
    case "interactive_list":
      return [str(d.bodyText) || "(no body text)"];
    case "whatsapp_template":
      return [`${str(d.templateName) || "(no template)"} · ${str(d.languageCode)}`];
    case "delay":
      return [`Waits ${str(d.delaySeconds) || "0"} s`];
    case "jump":
      return [
        d.jumpType === "flow" ? `→ flow ${str(d.targetFlowId) || "?"}` : `→ node ${str(d.targetNodeId) || "?"}`,
      ];
    case "handoff":
      return [str(d.transferMessage) || "Hands over to a person", `Priority: ${str(d.priority) || "normal"}`];
    case "random":
      return [items(d.paths).map((p) => `${str(p.label) || str(p.id)} ${str(p.weight)}%`).join(" · ")];
    default:
      return [`Unknown node type “${node.type}”`];
  }
}
