"""Executor adapters: the PostgreSQL store and outbox, the config-backed flow lookup."""
