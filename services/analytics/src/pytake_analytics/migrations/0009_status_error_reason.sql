-- Meta's words for a failed status (`errors[0].error_data.details`, else its message or
-- title), shown beside the code in the history.
ALTER TABLE deliveries ADD COLUMN status_error_reason text;
