-- Meta's retries are dropped for 7 days: one row per message wamid / (wamid, status).
CREATE TABLE IF NOT EXISTS dedupe_ledger (
    dedupe_key text PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS dedupe_ledger_seen_at ON dedupe_ledger (seen_at);
