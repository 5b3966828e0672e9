"""The loop refuses handler modes it has no meaning for, before it consumes anything."""

from __future__ import annotations

import pytest

from pytake_shared.kafka import ConsumerLoop, Producer, RecordHandler
from pytake_shared.settings import ServiceSettings


class PipelinedBatch(RecordHandler):
    pipelined = True
    batched = True


class AcrossWithoutBatch(RecordHandler):
    across_partitions = True


@pytest.mark.parametrize(
    ("handler", "says"),
    [(PipelinedBatch(), "pipelined"), (AcrossWithoutBatch(), "across_partitions needs batched")],
)
def test_a_handler_with_modes_that_do_not_combine_is_refused(
    handler: RecordHandler, says: str
) -> None:
    settings = ServiceSettings()
    with pytest.raises(ValueError, match=says):
        ConsumerLoop(
            settings, topics=["t"], group_id="g", handler=handler, producer=Producer(settings)
        )
