"""pytake_router."""
