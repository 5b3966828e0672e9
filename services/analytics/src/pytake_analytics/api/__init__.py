"""The management REST API (`/api/v1`): auth, organizations, users, numbers, chatbots, flows."""
