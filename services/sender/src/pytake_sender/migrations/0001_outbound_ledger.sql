-- One row per outbound_id: a redelivered send whose id Meta already accepted is never sent again.
CREATE TABLE outbound_ledger (
    outbound_id text PRIMARY KEY,
    organization_id text NOT NULL,
    phone_number_id text NOT NULL,
    status text NOT NULL,            -- sending | accepted | failed
    wamid text,
    attempts int NOT NULL DEFAULT 0,
    last_error_code int,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_ledger_wamid ON outbound_ledger (wamid);
