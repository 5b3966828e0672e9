"""A flow document as the engine reads it (parsing lives in `pytake_shared.flowdoc`, shared
with the management API's publish-time validation; re-exported here for the executor)."""

from pytake_shared.flowdoc.catalogue import FALSE_NAMES, NODE_TYPES, TRUE_NAMES, jump_kind
from pytake_shared.flowdoc.parse import ALIASES, Edge, Flow, FlowError, Node, load_flow

__all__ = [
    "ALIASES",
    "FALSE_NAMES",
    "NODE_TYPES",
    "TRUE_NAMES",
    "Edge",
    "Flow",
    "FlowError",
    "Node",
    "jump_kind",
    "load_flow",
]
