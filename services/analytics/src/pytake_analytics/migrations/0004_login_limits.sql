-- Login limits that cannot lock others out: failures per (account, address) and per account,
-- attempts on unknown accounts per address, and the addresses an account logged in from.
DELETE FROM login_failures WHERE scope = 'ip';
ALTER TABLE login_failures DROP CONSTRAINT login_failures_scope_check;
ALTER TABLE login_failures
    ADD CONSTRAINT login_failures_scope_check CHECK (scope IN ('pair', 'account', 'unknown'));

CREATE TABLE login_known (
    email text NOT NULL,              -- lower-cased
    address text NOT NULL,            -- the client address a login succeeded from
    last_success_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (email, address)
);
