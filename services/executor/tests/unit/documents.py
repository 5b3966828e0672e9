"""Flow documents for the engine's unit tests: nodes, a chain of them, a two-question flow."""

from __future__ import annotations

import itertools
from typing import Any


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "data": data}


def chain(*nodes: dict[str, Any], **document: Any) -> dict[str, Any]:
    """A document whose nodes follow each other in the order given."""
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {"canvas_data": {"nodes": list(nodes), "edges": edges}, **document}


def two_questions(**document: Any) -> dict[str, Any]:
    return chain(
        node("start", "start"),
        node("q1", "question", content="Name?", variableName="name"),
        node("q2", "question", content="City?", variableName="city"),
        node("bye", "end", content="Bye {{name}}"),
        **document,
    )
