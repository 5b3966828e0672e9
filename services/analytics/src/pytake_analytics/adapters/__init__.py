"""Analytics adapters: management data in PostgreSQL."""
