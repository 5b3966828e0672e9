-- Meta's media id of a file of PyTake's media store, per number: uploaded once, reused until
-- Meta's 30 days (minus a margin) run out or Meta says it no longer knows the id.
CREATE TABLE media_uploads (
    phone_number_id text NOT NULL,
    media_file text NOT NULL,         -- PyTake's media id
    meta_media_id text NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (phone_number_id, media_file)
);
