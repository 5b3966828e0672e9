"""pytake_analytics."""
