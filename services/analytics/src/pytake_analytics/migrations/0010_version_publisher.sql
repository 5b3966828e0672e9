-- Who published each version (null for versions published before this was recorded, or by an
-- account since deleted).
ALTER TABLE flow_versions ADD COLUMN published_by uuid;
