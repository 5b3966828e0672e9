-- A send whose outcome stayed unknown (no answer from Meta and no status webhook): the sender
-- did not send it again, an operator decides.
ALTER TABLE deliveries ADD COLUMN indefinite_at timestamptz;
ALTER TABLE deliveries ADD COLUMN indefinite_reason text;
