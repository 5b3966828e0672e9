"""When to sweep an in-memory map of entries that expire (per-contact windows and buckets).

A sweep walks every entry, so sweeping whenever the map is at its nominal size turns into a
walk per insert once more entries than that are live at once, which a tenant posting many
contacts can cause: a stall of a shared service for every tenant. The gate sweeps once the map
has doubled since the last sweep (and is past `floor`): O(1) per insert amortised, and the map
stays within twice its live entries or `floor`, whichever is larger.
"""

from __future__ import annotations


class SweepGate:
    def __init__(self, floor: int) -> None:
        self._floor = floor
        self._next = floor

    def due(self, size: int) -> bool:
        return size >= self._next

    def swept(self, size: int) -> None:
        self._next = max(self._floor, 2 * size)
