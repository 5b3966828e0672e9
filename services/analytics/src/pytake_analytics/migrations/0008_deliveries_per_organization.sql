-- Meta's statuses are read from wa.inbound with the organization of the number they came in
-- on. Keyed by it too, a status naming another organization's outbound id lands in a row of
-- its own and never merges into theirs (nor takes the row first so that theirs cannot).
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
ALTER TABLE deliveries ADD PRIMARY KEY (organization_id, outbound_id);
