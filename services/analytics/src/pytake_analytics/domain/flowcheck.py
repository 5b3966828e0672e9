"""Flow checks at publish: `pytake_shared.flowdoc.validate`, the rules the executor runs by.

Guarded so that a draft the validator cannot even read is reported as an error of the draft
(publishing is refused with a 422), never raised as a 5xx: a draft may hold any JSON.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pytake_shared.egress import EgressPolicy
from pytake_shared.flowdoc import Issue, ValidationReport, validate


def check(
    document: Any,
    known_flow_ids: Collection[str],
    known_variables: Collection[str] = (),
    egress: EgressPolicy | None = None,
) -> ValidationReport:
    if not isinstance(document, Mapping):
        return _unreadable("the flow document is not a JSON object")
    try:
        return validate(document, known_flow_ids, known_variables, egress)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        return _unreadable(f"the flow document cannot be read: {exc}")


def _unreadable(message: str) -> ValidationReport:
    return ValidationReport(errors=[Issue(node_id=None, field=None, message=message)])
