"""Repository-wide pytest configuration: the shared fixtures plugin."""

pytest_plugins = ["pytake_shared.testing.fixtures"]
