-- The inbox: who took a conversation, and why and how urgently it waits for a human.
ALTER TABLE conversations ADD COLUMN assigned_to text;
ALTER TABLE conversations ADD COLUMN assigned_at timestamptz;
ALTER TABLE conversations ADD COLUMN handoff_at timestamptz;
ALTER TABLE conversations ADD COLUMN handoff_priority text;
ALTER TABLE conversations ADD COLUMN handoff_reason text;
ALTER TABLE conversations ADD COLUMN handoff_context text;
CREATE INDEX conversations_org_status ON conversations (organization_id, status, handoff_at);
