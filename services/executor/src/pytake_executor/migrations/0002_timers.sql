-- Timers the engine scheduled (delays, question timeouts, inactivity, session TTL, retries):
-- written in the same transaction as the state, fired by the poller as timer_fired commands.
CREATE TABLE timers (
    timer_id text PRIMARY KEY,
    key text NOT NULL,
    organization_id text,
    kind text NOT NULL,
    fire_at bigint NOT NULL
);
CREATE INDEX timers_due ON timers (fire_at);
