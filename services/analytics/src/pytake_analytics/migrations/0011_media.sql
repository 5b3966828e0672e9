-- Media files: a contact's (projected from wa.media.v1: stored or failed) and the ones an
-- organization uploaded for its flows to send. The file itself is in the media storage under
-- storage_key; a row past the retention is deleted with its file by a periodic job.
CREATE TABLE media (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL,
    source text NOT NULL,           -- inbound | upload
    status text NOT NULL,           -- stored | failed
    kind text NOT NULL,
    phone_number_id text,
    message_id text,                -- the inbound wamid that carried it
    meta_media_id text,
    storage_key text,
    mime_type text,
    size bigint,
    sha256 text,
    caption text,
    filename text,
    voice boolean NOT NULL DEFAULT false,
    reason text,
    error_code int,
    created_at timestamptz NOT NULL
);
CREATE INDEX media_message ON media (organization_id, message_id);
CREATE INDEX media_created ON media (created_at);
