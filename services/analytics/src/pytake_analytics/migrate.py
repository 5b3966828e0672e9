"""Where the analytics schema's migrations live (bootstrap, tests and rebuild apply them)."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
