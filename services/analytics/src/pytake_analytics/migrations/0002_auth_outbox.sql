-- Auth: refresh tokens (rotated, revocable) and failed logins (durable rate limit).
CREATE TABLE refresh_tokens (
    jti uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    replaced_by uuid                  -- set when revoked by rotation (reuse = theft)
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

CREATE TABLE login_failures (
    id bigserial PRIMARY KEY,
    scope text NOT NULL CHECK (scope IN ('ip', 'account')),
    subject text NOT NULL,            -- the client IP, or the lower-cased email
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_subject ON login_failures (scope, subject, at);

-- Config records waiting to be published to pytake.config.v1 (value NULL = tombstone).
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    key text NOT NULL,
    value bytea,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A tenant role always has an organization (only a super admin may have none).
ALTER TABLE users ADD CONSTRAINT users_tenant_has_organization
    CHECK (role = 'super_admin' OR organization_id IS NOT NULL);

-- At most one main flow per chatbot: it is what the chatbot's snapshot points at.
CREATE UNIQUE INDEX flows_one_main ON flows (chatbot_id) WHERE is_main;

CREATE INDEX users_organization ON users (organization_id);
CREATE INDEX chatbots_organization ON chatbots (organization_id);
CREATE INDEX whatsapp_numbers_organization ON whatsapp_numbers (organization_id);
CREATE INDEX whatsapp_numbers_default_chatbot ON whatsapp_numbers (default_chatbot_id);
CREATE INDEX flows_chatbot ON flows (chatbot_id);
CREATE INDEX flows_organization ON flows (organization_id);
