-- A bot message never sent because its conversation closed first (it was still waiting for
-- the contact's pair rate, say).
ALTER TABLE deliveries ADD COLUMN cancelled_at timestamptz;
