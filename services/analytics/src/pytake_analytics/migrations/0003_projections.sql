-- Projections built from conversation.events.v1, wa.delivery.v1 and the status commands of
-- conversation.commands.v1, written with their consumer offsets in one transaction per batch.
-- `rebuild` empties every table below and replays the topics through the same code.
CREATE TABLE projection_offsets (
    topic text NOT NULL,
    partition int NOT NULL,
    next_offset bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);

-- Envelope ids already folded: a record republished under the same id changes nothing.
CREATE TABLE projection_processed (
    id uuid PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projection_processed_at ON projection_processed (processed_at);

-- Events that arrived before their conversation's `conversation_started` (the inbound that
-- opens a conversation precedes it), folded once it arrives.
CREATE TABLE projection_pending (
    conversation_id text NOT NULL,
    position bigint NOT NULL,
    event jsonb NOT NULL,
    PRIMARY KEY (conversation_id, position)
);

CREATE TABLE conversations (
    id text PRIMARY KEY,
    organization_id uuid NOT NULL,
    key text NOT NULL,
    phone_number_id text NOT NULL,
    contact_id text NOT NULL,
    contact jsonb NOT NULL,
    chatbot_id text,
    flow_id text,
    flow_version int,
    flow_name text,
    current_flow_id text,
    current_flow_version int,
    status text NOT NULL,
    started_at timestamptz NOT NULL,
    first_inbound_at timestamptz,
    last_inbound_at timestamptz,
    last_activity_at timestamptz NOT NULL,
    closed_at timestamptz,
    close_reason text,
    completed boolean NOT NULL DEFAULT false,
    had_handoff boolean NOT NULL DEFAULT false,
    messages_in int NOT NULL DEFAULT 0,
    messages_out int NOT NULL DEFAULT 0,
    first_response_ms bigint,
    current_node_id text,
    variables jsonb NOT NULL DEFAULT '{}',
    path jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX conversations_org_activity ON conversations (organization_id, last_activity_at DESC);
CREATE INDEX conversations_org_started ON conversations (organization_id, started_at);
CREATE INDEX conversations_contact ON conversations (contact_id, started_at DESC);
CREATE INDEX conversations_flow ON conversations (current_flow_id);

CREATE TABLE messages (
    id text PRIMARY KEY,
    organization_id uuid NOT NULL,
    conversation_id text NOT NULL,
    key text NOT NULL,
    position bigint NOT NULL,
    direction text NOT NULL,
    author text NOT NULL,
    outbound_id text,
    message_id text,
    kind text NOT NULL,
    text text,
    body jsonb NOT NULL,
    node_id text,
    flow_id text,
    flow_version int,
    at timestamptz NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, position);
CREATE INDEX messages_key ON messages (key, position);
CREATE INDEX messages_flow ON messages (flow_id) WHERE direction = 'out';

CREATE TABLE node_visits (
    conversation_id text NOT NULL,
    flow_id text NOT NULL,
    flow_version int NOT NULL,
    node_id text NOT NULL,
    organization_id uuid NOT NULL,
    visits int NOT NULL,
    first_at timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, flow_id, flow_version, node_id)
);
CREATE INDEX node_visits_flow ON node_visits (flow_id, flow_version);

-- One row per outbound message: filled from the executor's `message_queued`, the sender's
-- delivery records and Meta's statuses in whatever order they arrive (each column merges
-- commutatively), so the live projection and a rebuild agree.
CREATE TABLE deliveries (
    outbound_id text PRIMARY KEY,
    organization_id uuid NOT NULL,
    conversation_id text,
    key text,
    flow_id text,
    flow_version int,
    node_id text,
    queued_at timestamptz,
    accepted_at timestamptz,
    wamid text,
    retries int NOT NULL DEFAULT 0,
    send_failed_at timestamptz,
    send_error_code int,
    send_error_reason text,
    sent_at timestamptz,
    delivered_at timestamptz,
    read_at timestamptz,
    status_failed_at timestamptz,
    status_error_code int
);
CREATE INDEX deliveries_flow ON deliveries (flow_id);
