"""pytake_ingress."""
