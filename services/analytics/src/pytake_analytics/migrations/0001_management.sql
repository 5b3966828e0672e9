-- Management data: every row carries its organization (the tenancy boundary).
CREATE TABLE organizations (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    settings jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id uuid PRIMARY KEY,
    organization_id uuid REFERENCES organizations (id),
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    full_name text NOT NULL DEFAULT '',
    role text NOT NULL CHECK (role IN ('super_admin', 'org_admin', 'agent', 'viewer')),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chatbots (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    is_active boolean NOT NULL DEFAULT true,
    is_fallback boolean NOT NULL DEFAULT false,
    global_variables jsonb NOT NULL DEFAULT '{}',
    settings jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One fallback chatbot per organization.
CREATE UNIQUE INDEX chatbots_one_fallback ON chatbots (organization_id) WHERE is_fallback;

CREATE TABLE whatsapp_numbers (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    phone_number_id text NOT NULL UNIQUE,
    phone_number text NOT NULL DEFAULT '',
    display_name text NOT NULL DEFAULT '',
    access_token text,                -- sealed (enc:v1:...)
    app_secret text,                  -- sealed (enc:v1:...)
    webhook_verify_token text,
    webhook_token text UNIQUE,
    default_chatbot_id uuid REFERENCES chatbots (id),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE flows (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    chatbot_id uuid NOT NULL REFERENCES chatbots (id),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    is_main boolean NOT NULL DEFAULT false,
    is_fallback boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,
    document jsonb NOT NULL,          -- the draft being edited
    published_version int,            -- the version new conversations start on
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE flow_versions (
    flow_id uuid NOT NULL REFERENCES flows (id),
    version int NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    document jsonb NOT NULL,          -- immutable once published
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, version)
);
