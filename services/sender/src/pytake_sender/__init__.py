"""pytake_sender."""
