"""pytake_executor."""
