"""Router adapters: PostgreSQL ledger."""
