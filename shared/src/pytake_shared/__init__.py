"""pytake_shared."""
