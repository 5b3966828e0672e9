"""pytake_tools."""
