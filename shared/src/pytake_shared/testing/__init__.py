"""Test and dev support: embedded broker and database, pytest fixtures."""
