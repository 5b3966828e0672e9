"""Sender adapters: the Graph API client and the PostgreSQL outbound ledger."""
