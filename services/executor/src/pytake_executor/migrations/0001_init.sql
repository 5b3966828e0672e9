-- Conversation state, the ids already applied, the outbox and the consumer offsets: written
-- together in one transaction per batch, so a batch takes effect exactly once.
CREATE TABLE conversations (
    key text PRIMARY KEY,
    organization_id text,
    state jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_org ON conversations (organization_id);

CREATE TABLE processed (
    id uuid PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_at_idx ON processed (processed_at);

CREATE TABLE outbox (
    seq bigserial PRIMARY KEY,
    source_partition int NOT NULL,
    topic text NOT NULL,
    key text NOT NULL,
    value bytea NOT NULL
);
CREATE INDEX outbox_partition ON outbox (source_partition, seq);

CREATE TABLE offsets (
    topic text NOT NULL,
    partition int NOT NULL,
    next_offset bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);
