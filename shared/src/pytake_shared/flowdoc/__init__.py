"""Flow documents, shared by the executor (which runs them) and the management API (which
validates them before publishing): `load_flow` parses, `validate` reports what is wrong."""

from pytake_shared.flowdoc.parse import ALIASES, Edge, Flow, FlowError, Node, load_flow, raw_parts
from pytake_shared.flowdoc.validate import Issue, ValidationReport, validate

__all__ = [
    "ALIASES",
    "Edge",
    "Flow",
    "FlowError",
    "Issue",
    "Node",
    "ValidationReport",
    "load_flow",
    "raw_parts",
    "validate",
]
