-- Broadcasts: an approved template to a list of contacts, dispatched by analytics' runner at
-- a share of the number's rate. A recipient is `pending` until the runner published its send
-- (then `queued`: its outcome is the deliveries row of its outbound id), or `skipped`
-- (opted out), or `cancelled` (the broadcast was cancelled before its turn).
CREATE TABLE broadcasts (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    number_id uuid NOT NULL,
    phone_number_id text NOT NULL,
    waba_id text NOT NULL,
    name text NOT NULL,
    template_name text NOT NULL,
    language text NOT NULL,
    status text NOT NULL CHECK (status IN ('running', 'paused', 'cancelled', 'completed')),
    status_reason text,
    total int NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX broadcasts_org ON broadcasts (organization_id, created_at DESC);
CREATE INDEX broadcasts_running ON broadcasts (status) WHERE status = 'running';

CREATE TABLE broadcast_recipients (
    broadcast_id uuid NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    position int NOT NULL,
    organization_id uuid NOT NULL,
    wa_id text NOT NULL,
    components jsonb NOT NULL,
    outbound_id text NOT NULL,
    state text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'queued', 'skipped', 'cancelled')),
    skip_reason text,
    queued_at timestamptz,
    PRIMARY KEY (broadcast_id, position),
    UNIQUE (broadcast_id, wa_id)
);
CREATE INDEX broadcast_recipients_pending ON broadcast_recipients (broadcast_id, position)
    WHERE state = 'pending';
