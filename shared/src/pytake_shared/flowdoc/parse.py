"""A flow document as the engine reads it: nodes by id, edges by source, the start node.

Accepts the canvas the visual builder saves (`canvas_data.nodes/edges`) and the older PyTake
shapes (`nodes`/`edges` at the top level, edges without ids, `messageText`/`questionText` for
`content`, `outputVariable` for `variableName`, ...). Unknown keys are kept and ignored.
`raw_parts` is the lenient half that validation shares: it never raises, so a broken document
can still be reported on node by node.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytake_shared.flowdoc import texts
from pytake_shared.flowdoc.texts import DEFAULT_LANGUAGE

# Older PyTake field names → the current ones.
ALIASES = {
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

    def named(self, names: Collection[str]) -> bool:
        """Whether the handle or the label is one of `names` (lowercase)."""
        return any(n is not None and n.lower() in names for n in (self.handle, self.label))


@dataclass(frozen=True)
class Flow:
    id: str
    version: int
    name: str
    nodes: dict[str, Node]
    edges: dict[str, list[Edge]] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    language: str = DEFAULT_LANGUAGE  # of the texts the engine writes itself
    texts: dict[str, str] = field(default_factory=dict)  # the flow's own versions of them

    def text(self, key: str) -> str:
        """A text the engine writes itself (`texts.KEYS`), in the flow's language."""
        return texts.text(key, self.language, self.texts)

    @property
    def start(self) -> Node:
        starts = [n for n in self.nodes.values() if n.type == "start"]
        if len(starts) != 1:
            raise FlowError(f"a flow needs exactly one start node, found {len(starts)}")
        return starts[0]

    def default_edge(self, node_id: str, *, skip: Collection[str] = ()) -> Edge | None:
        """The first edge without handle and label; failing that, the first edge.

        `skip` names branches that must not be taken by default (a question's `invalid` edge
        is no way forward for a valid answer), lowercase.
        """
        edges = self.edges.get(node_id, [])
        for edge in edges:
            if not edge.handle and not edge.label:
                return edge
        for edge in edges:
            if not edge.named(skip):
                return edge
        return None

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


def raw_parts(document: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    """The node and edge lists wherever the document keeps them, aliases applied to nodes."""
    canvas = document.get("canvas_data")
    if not isinstance(canvas, Mapping):
        canvas = document
    raw_nodes = canvas.get("nodes") or document.get("nodes") or []
    raw_edges = canvas.get("edges") or document.get("edges") or []
    nodes: list[Any] = []
    for raw in raw_nodes if isinstance(raw_nodes, list) else []:
        if isinstance(raw, dict):
            data = dict(raw["data"]) if isinstance(raw.get("data"), dict) else {}
            for old, new in ALIASES.items():
                if old in data and new not in data:
                    data[new] = data[old]
            raw = {**raw, "data": data}
        nodes.append(raw)
    return nodes, list(raw_edges) if isinstance(raw_edges, list) else []


def load_flow(
    flow_id: str,
    version: int,
    name: str,
    document: dict[str, Any],
    organization_language: str | None = None,
) -> Flow:
    raw_nodes, raw_edges = raw_parts(document)
    nodes: dict[str, Node] = {}
    for raw in raw_nodes:
        if not isinstance(raw, dict) or not raw.get("id"):
            raise FlowError("a node without an id")
        nodes[str(raw["id"])] = Node(str(raw["id"]), str(raw.get("type") or ""), raw["data"])
    edges: dict[str, list[Edge]] = {}
    for raw in raw_edges:
        if not isinstance(raw, dict):
            continue
        source, target = str(raw.get("source") or ""), str(raw.get("target") or "")
        if source not in nodes or target not in nodes:
            raise FlowError(f"edge {raw.get('id')} joins a missing node", source or None)
        handle, label = raw.get("sourceHandle"), raw.get("label")
        edges.setdefault(source, []).append(
            Edge(source, target, str(handle) if handle else None, str(label) if label else None)
        )
    settings: dict[str, Any] = {
        k: document[k] for k in ("inactivity_settings", "window_expiry_settings") if k in document
    }
    defaults = document.get("variables")
    variables = dict(defaults) if isinstance(defaults, dict) else {}
    own = document.get("texts")
    own_texts = (
        {k: v for k, v in own.items() if isinstance(v, str)} if isinstance(own, dict) else {}
    )
    lang = texts.resolve(document.get("language"), organization_language)
    return Flow(flow_id, version, name, nodes, edges, variables, settings, lang, own_texts)
