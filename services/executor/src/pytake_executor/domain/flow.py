"""A flow document as the engine reads it: nodes by id, edges by source, the start node.

Accepts the canvas the visual builder saves (`canvas_data.nodes/edges`) and the older PyTake
shapes (`nodes`/`edges` at the top level, edges without ids, `messageText`/`questionText` for
`content`, `outputVariable` for `variableName`, ...). Unknown keys are kept and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Older PyTake field names → the current ones.
_ALIASES = {
    "messageText": "content",
    "questionText": "content",
    "farewellMessage": "content",
    "outputVariable": "variableName",
    "validationType": "responseType",
}


class FlowError(ValueError):
    """A document the engine cannot run; carries the node id when one is at fault."""

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(f"{node_id}: {message}" if node_id else message)
        self.node_id = node_id


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    handle: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Flow:
    id: str
    version: int
    name: str
    nodes: dict[str, Node]
    edges: dict[str, list[Edge]] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> Node:
        starts = [n for n in self.nodes.values() if n.type == "start"]
        if len(starts) != 1:
            raise FlowError(f"a flow needs exactly one start node, found {len(starts)}")
        return starts[0]

    def default_edge(self, node_id: str) -> Edge | None:
        """The first edge without handle and label; failing that, the first edge."""
        edges = self.edges.get(node_id, [])
        for edge in edges:
            if not edge.handle and not edge.label:
                return edge
        return edges[0] if edges else None

    def edge_for(self, node_id: str, *choices: str) -> Edge | None:
        """The edge whose handle, else label (case-insensitive), is one of `choices`."""
        edges = self.edges.get(node_id, [])
        wanted = [c.lower() for c in choices]
        for edge in edges:
            if edge.handle and edge.handle.lower() in wanted:
                return edge
        for edge in edges:
            if edge.label and edge.label.lower() in wanted:
                return edge
        return None


def load_flow(flow_id: str, version: int, name: str, document: dict[str, Any]) -> Flow:
    canvas = document.get("canvas_data") or document
    raw_nodes = canvas.get("nodes") or document.get("nodes") or []
    raw_edges = canvas.get("edges") or document.get("edges") or []
    nodes: dict[str, Node] = {}
    for raw in raw_nodes:
        if not isinstance(raw, dict) or not raw.get("id"):
            raise FlowError("a node without an id")
        data = dict(raw.get("data") or {})
        for old, new in _ALIASES.items():
            if old in data and new not in data:
                data[new] = data[old]
        nodes[str(raw["id"])] = Node(str(raw["id"]), str(raw.get("type") or ""), data)
    edges: dict[str, list[Edge]] = {}
    for raw in raw_edges:
        if not isinstance(raw, dict):
            continue
        source, target = str(raw.get("source") or ""), str(raw.get("target") or "")
        if source not in nodes or target not in nodes:
            raise FlowError(f"edge {raw.get('id')} joins a missing node", source or None)
        edges.setdefault(source, []).append(
            Edge(source, target, raw.get("sourceHandle") or None, raw.get("label") or None)
        )
    settings: dict[str, Any] = {
        k: document[k] for k in ("inactivity_settings", "window_expiry_settings") if k in document
    }
    flow = Flow(
        flow_id, version, name, nodes, edges, dict(document.get("variables") or {}), settings
    )
    return flow
