"""The handler's type chooses how the loop feeds it; a handler of no kind or of several is
refused before anything is consumed."""

from __future__ import annotations

import pytest

from pytake_shared.kafka import (
    BatchHandler,
    ConsumerLoop,
    Handler,
    PipelinedHandler,
    Producer,
    RecordHandler,
)
from pytake_shared.kafka.strategies import Batched, PerRecord, Pipelined, Strategy
from pytake_shared.settings import ServiceSettings


class Both(BatchHandler, PipelinedHandler):
    pass


def _loop(handler: Handler) -> ConsumerLoop:
    settings = ServiceSettings()
    return ConsumerLoop(
        settings, topics=["t"], group_id="g", handler=handler, producer=Producer(settings)
    )


@pytest.mark.parametrize(
    ("handler", "strategy"),
    [(RecordHandler(), PerRecord), (BatchHandler(), Batched), (PipelinedHandler(), Pipelined)],
    ids=lambda v: type(v).__name__,
)
def test_the_handler_type_chooses_the_strategy(handler: Handler, strategy: type[Strategy]) -> None:
    assert type(_loop(handler).strategy) is strategy


@pytest.mark.parametrize("handler", [Handler(), Both()], ids=lambda v: type(v).__name__)
def test_a_handler_of_no_kind_or_of_several_is_refused(handler: Handler) -> None:
    with pytest.raises(TypeError, match="must be exactly one of"):
        _loop(handler)
