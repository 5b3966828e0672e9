// The node catalogue of flows.md: every type the engine runs, how it is named in the palette,
// and the data a new node of that type starts with.

export const NODE_TYPES = [
  "start",
  "message",
  "question",
  "condition",
  "end",
  "set_variable",
  "api_call",
  "webhook",
  "interactive_buttons",
  "interactive_list",
  "whatsapp_template",
  "delay",
  "jump",
  "handoff",
  "random",
] as const;

export type NodeType = (typeof NODE_TYPES)[number];

export function isNodeType(value: string): value is NodeType {
  return (NODE_TYPES as readonly string[]).includes(value);
}

export const NODE_LABEL: Record<NodeType, string> = {
  start: "Start",
  message: "Message",
  question: "Question",
  condition: "Condition",
  end: "End",
  set_variable: "Set variable",
  api_call: "API call",
  webhook: "Webhook",
  interactive_buttons: "Buttons",
  interactive_list: "List",
  whatsapp_template: "Template",
  delay: "Delay",
  jump: "Jump",
  handoff: "Handoff",
  random: "Random split",
};

/** A colour family per kind of node (CSS class suffix). */
export const NODE_TONE: Record<NodeType, string> = {
  start: "green",
  end: "green",
  message: "blue",
  question: "violet",
  interactive_buttons: "violet",
  interactive_list: "violet",
  whatsapp_template: "blue",
  condition: "amber",
  random: "amber",
  jump: "amber",
  set_variable: "neutral",
  delay: "neutral",
  api_call: "orange",
  webhook: "orange",
  handoff: "red",
};

/** The data a node gets when added from the palette: enough to see what to fill in. */
export function defaultData(type: NodeType): Record<string, unknown> {
  switch (type) {
    case "start":
      return {};
    case "message":
      return { content: "" };
    case "question":
      return {
        content: "",
        variableName: "",
        responseType: "text",
        validation: { required: true, errorMessage: "", maxAttempts: 3 },
      };
    case "condition":
      return { conditions: [{ variable: "", operator: "==", value: "" }], logicOperator: "AND" };
    case "end":
      return { content: "" };
    case "set_variable":
      return { variables: [{ name: "", valueType: "static", value: "" }] };
    case "api_call":
      return {
        url: "",
        method: "GET",
        headers: {},
        queryParams: {},
        body: "",
        timeout: 10,
        responseVariable: "api_response",
        errorHandling: { onError: "continue", maxRetries: 0, retryDelay: 1, fallbackValue: "" },
      };
    case "webhook":
      return { url: "", method: "POST", headers: {}, body: "" };
    case "interactive_buttons":
      return { bodyText: "", buttons: [{ id: "btn_1", title: "Yes" }], variableName: "" };
    case "interactive_list":
      return {
        bodyText: "",
        buttonText: "Choose",
        sections: [{ title: "", rows: [{ id: "row_1", title: "Option 1", description: "" }] }],
        variableName: "",
      };
    case "whatsapp_template":
      return { templateName: "", languageCode: "en_US", components: [] };
    case "delay":
      return { delaySeconds: 60 };
    case "jump":
      return { jumpType: "node", targetNodeId: "", targetFlowId: "" };
    case "handoff":
      return { transferMessage: "", sendTransferMessage: true, priority: "normal", contextMessage: "" };
    case "random":
      return {
        paths: [
          { id: "a", label: "A", weight: 50 },
          { id: "b", label: "B", weight: 50 },
        ],
      };
  }
}

export const OPERATORS = [
  "==", "!=", ">", "<", ">=", "<=", "contains", "not_contains", "starts_with", "ends_with",
  "in", "not_in", "is_empty", "is_not_empty", "matches",
] as const;

export const RESPONSE_TYPES = ["text", "number", "email", "phone", "options", "date"] as const;
