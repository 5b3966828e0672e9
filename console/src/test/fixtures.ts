import type { Conversation, ConversationDetail, HistoryMessage, User } from "../api/types";

export const ORG = "22222222-2222-2222-2222-222222222222";

export function user(role: User["role"], id = "11111111-1111-1111-1111-111111111111"): User {
  return {
    id,
    email: `${role}@example.com`,
    full_name: `A ${role}`,
    role,
    organization_id: role === "super_admin" ? null : ORG,
    is_active: true,
    permissions: [],
  };
}

export function conversation(over: Partial<Conversation> = {}): Conversation {
  return {
    id: "conv-1",
    organization_id: ORG,
    key: "100000000000001:5511900000001",
    phone: "5511900000001",
    contact_name: "Lin Tester",
    phone_number_id: "100000000000001",
    chatbot_id: "bot-1",
    flow_id: "flow-1",
    flow_version: 1,
    flow_name: "Support",
    status: "handoff",
    started_at: "2026-03-02T10:00:00Z",
    last_inbound_at: "2026-03-02T10:00:00Z",
    last_activity_at: "2026-03-02T10:01:00Z",
    closed_at: null,
    close_reason: null,
    messages_in: 1,
    messages_out: 1,
    current_node_id: "handoff",
    assigned_to: null,
    assigned_at: null,
    handoff_at: "2026-03-02T10:00:30Z",
    handoff_priority: "high",
    handoff_reason: "node",
    handoff_context: null,
    ...over,
  };
}

export function message(over: Partial<HistoryMessage> = {}): HistoryMessage {
  return {
    id: "m-1",
    conversation_id: "conv-1",
    direction: "in",
    author: "contact",
    kind: "text",
    text: "hello",
    body: {},
    node_id: null,
    outbound_id: null,
    message_id: null,
    at: "2026-03-02T10:00:00Z",
    status: "received",
    error_code: null,
    error_reason: null,
    delivered_at: null,
    read_at: null,
    ...over,
  };
}

export function detail(over: Partial<Conversation> = {}, expiresAt?: string): ConversationDetail {
  return {
    conversation: conversation(over),
    current_state: {
      status: over.status ?? "handoff",
      current_node_id: "handoff",
      variables: { order: "4410", address: { city: "São Paulo" } },
      execution_path: ["start", "handoff"],
      flow: { id: "flow-1", version: 1 },
    },
    window: {
      window_status: "active",
      hours_remaining: 23,
      template_required: false,
      expires_at: expiresAt ?? new Date(Date.now() + 23 * 3600_000).toISOString(),
    },
    messages: [
      message(),
      message({
        id: "m-2",
        direction: "out",
        author: "bot",
        text: "A human will answer",
        body: { kind: "text", text: "A human will answer" },
        status: "read",
        at: "2026-03-02T10:00:10Z",
      }),
    ],
    numbers: ["100000000000001"],
  };
}
