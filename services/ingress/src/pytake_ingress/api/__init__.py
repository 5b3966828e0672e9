"""Ingress HTTP API."""
