// The analytics API's shapes, as the console reads them (services/analytics/.../api/*.py).

export type Role = "super_admin" | "org_admin" | "agent" | "viewer";

export interface User {
  id: string;
  email: string;
  full_name: string;
  role: Role;
  organization_id: string | null;
  is_active: boolean;
  permissions: string[];
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface LoginOut {
  user: User;
  token: TokenPair;
}

export interface Organization {
  id: string;
  name: string;
  is_active: boolean;
}

export interface WhatsAppNumber {
  id: string;
  organization_id: string;
  phone_number_id: string;
  phone_number: string;
  display_name: string;
  is_active: boolean;
  waba_id?: string | null;
  messages_per_second?: number | null;
}

export interface Flow {
  id: string;
  organization_id: string;
  chatbot_id: string;
  name: string;
  is_main: boolean;
  is_active: boolean;
  published_version: number | null;
  canvas_data: { nodes?: FlowNode[] };
}

export interface FlowNode {
  id: string;
  type: string;
  data?: Record<string, unknown>;
}

export type ConversationStatus = "active" | "handoff" | "closed";
export type Priority = "low" | "normal" | "high" | "urgent";

export interface Conversation {
  id: string;
  organization_id: string;
  key: string;
  phone: string;
  contact_name: string | null;
  phone_number_id: string;
  chatbot_id: string | null;
  flow_id: string | null;
  flow_version: number | null;
  flow_name: string | null;
  status: ConversationStatus;
  started_at: string;
  last_inbound_at: string | null;
  last_activity_at: string;
  closed_at: string | null;
  close_reason: string | null;
  messages_in: number;
  messages_out: number;
  current_node_id: string | null;
  assigned_to: string | null;
  assigned_at: string | null;
  handoff_at: string | null;
  handoff_priority: string | null;
  handoff_reason: string | null;
  handoff_context: string | null;
}

export interface Page {
  total: number;
  page: number;
  per_page: number;
}

export interface ConversationPage extends Page {
  conversations: Conversation[];
}

export type DeliveryStatus =
  | "received"
  | "queued"
  | "retrying"
  | "indefinite"
  | "accepted"
  | "sent"
  | "delivered"
  | "read"
  | "failed"
  | "cancelled";

export interface HistoryMessage {
  id: string;
  conversation_id: string;
  direction: "in" | "out";
  author: "contact" | "bot" | "agent";
  /** Meta's message type: text, image, location, contacts, reaction, ... */
  kind: string;
  text: string | null;
  /** Outbound: what was sent. Inbound: what the message holds besides text, as ingress read it
   * from Meta's webhook (`InboundBody`); any part may be absent. */
  body: Record<string, unknown>;
  node_id: string | null;
  outbound_id: string | null;
  message_id: string | null;
  at: string;
  status: DeliveryStatus | string;
  error_code: number | null;
  /** Meta's own words for a failure (failed outbound messages). */
  error_reason: string | null;
  delivered_at: string | null;
  read_at: string | null;
  /** A contact's media: pending (not fetched yet), stored (with a short-lived link) or failed. */
  media?: MediaRef | null;
}

/** A message's media as the history shows it (api/media_models.py MediaRef). */
export interface MediaRef {
  id: string;
  status: "pending" | "stored" | "failed";
  kind: string;
  mime_type: string | null;
  size: number | null;
  caption: string | null;
  filename: string | null;
  /** Why it failed. */
  reason: string | null;
  /** The file, for a short while (stored only): a signed link that needs no login. */
  url: string | null;
  url_expires_at: string | null;
}

/** The parts of an inbound message's `body` (services/ingress/.../domain/messages.py). The
 * console reads them defensively (see content.ts): a webhook may leave any field out. */
export interface InboundBody {
  reply_id?: string;
  media?: {
    kind?: "image" | "video" | "audio" | "document" | "sticker";
    id?: string | null;
    mime_type?: string | null;
    sha256?: string | null;
    caption?: string | null;
    filename?: string | null;
    voice?: boolean | null;
    animated?: boolean | null;
    url?: string | null;
  };
  location?: {
    latitude?: number | null;
    longitude?: number | null;
    name?: string | null;
    address?: string | null;
    url?: string | null;
  };
  contacts?: {
    name?: { formatted_name?: string; first_name?: string; last_name?: string };
    phones?: { phone?: string; wa_id?: string; type?: string }[];
    emails?: { email?: string; type?: string }[];
  }[];
  interactive?: {
    type?: string | null;
    id?: string | null;
    title?: string | null;
    description?: string | null;
    name?: string | null;
    body?: string | null;
    response_json?: unknown;
  };
  button?: { payload?: string | null; text?: string | null };
  reaction?: { message_id?: string | null; emoji?: string | null; removed?: boolean };
  order?: {
    catalog_id?: string | null;
    text?: string | null;
    product_items?: { product_retailer_id?: string; quantity?: number; item_price?: number; currency?: string }[];
  };
  context?: {
    id?: string | null;
    from?: string | null;
    forwarded?: boolean;
    frequently_forwarded?: boolean;
    referred_product?: { catalog_id?: string | null; product_retailer_id?: string | null } | null;
  };
}

export interface WindowStatus {
  window_status: "active" | "expired";
  hours_remaining: number;
  template_required: boolean;
  expires_at: string | null;
}

export interface CurrentState {
  status: ConversationStatus;
  current_node_id: string | null;
  variables: Record<string, unknown>;
  execution_path: string[];
  flow: { id: string | null; version: number | null };
}

export interface ConversationDetail {
  conversation: Conversation;
  current_state: CurrentState;
  window: WindowStatus;
  messages: HistoryMessage[];
  numbers: string[];
}

/** The data of a live event: which conversation changed (never its content). */
export interface LiveChange {
  kind: string;
  key: string;
  phone: string;
  phone_number_id: string;
  conversation_id: string | null;
  status: string | null;
}
