-- A number belongs to a WhatsApp Business Account (its templates) and has a messaging tier.
ALTER TABLE whatsapp_numbers ADD COLUMN waba_id text;
ALTER TABLE whatsapp_numbers ADD COLUMN messages_per_second int
    CHECK (messages_per_second BETWEEN 1 AND 10000);

-- A WABA's message templates as last synchronised (GET /{waba-id}/message_templates), with
-- Meta's status webhooks applied over them; per organization, since the tenant's own token
-- is what read them. `status_changed_at` orders a sync and a late webhook: the newer wins.
CREATE TABLE message_templates (
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    waba_id text NOT NULL,
    name text NOT NULL,
    language text NOT NULL,
    meta_id text NOT NULL,
    status text NOT NULL,
    category text NOT NULL DEFAULT '',
    parameter_format text NOT NULL DEFAULT 'POSITIONAL',
    components jsonb NOT NULL DEFAULT '[]',
    requirements jsonb NOT NULL DEFAULT '{}',
    reason text,
    synced_at timestamptz NOT NULL DEFAULT now(),
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, waba_id, name, language)
);
CREATE INDEX message_templates_meta_id ON message_templates (waba_id, meta_id);

-- Contacts who asked an organization for no more broadcasts (a keyword they sent, Meta's
-- `user_preferences` webhook, a 131050 failure), folded from wa.inbound.v1. Not wiped by a
-- rebuild: the topic keeps 90 days and an opt-out must outlive it. The latest change wins.
CREATE TABLE opt_outs (
    organization_id uuid NOT NULL,
    contact text NOT NULL,
    opted_out boolean NOT NULL,
    source text NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (organization_id, contact)
);
