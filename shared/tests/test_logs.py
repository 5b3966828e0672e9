"""JSON log lines carrying the ids of the record being handled."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from pytake_shared.logs import configure_logging, log_context


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    kafka_level = logging.getLogger("aiokafka").level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(kafka_level)


def _lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


@pytest.mark.usefixtures("restore_logging")
def test_each_log_line_is_one_json_object_with_service_level_and_logger(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("router", "INFO")
    logging.getLogger("pytake_router.handlers").warning("hello %s", "world")
    [line] = _lines(capsys.readouterr().err)
    assert line["message"] == "hello world"
    assert line["level"] == "WARNING"
    assert line["logger"] == "pytake_router.handlers"
    assert line["service"] == "router"
    assert "time" in line


@pytest.mark.usefixtures("restore_logging")
def test_lines_written_inside_a_log_context_carry_its_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("executor")
    log = logging.getLogger("t")
    with log_context(event_id="e-1", type="pytake.x", subject="1:2", correlation_id=None):
        log.info("outer")
        with log_context(topic="wa.inbound.v1", partition=3, offset=42, subject="1:3"):
            log.info("inner")
        log.info("outer again")
    log.info("outside")
    outer, inner, again, outside = _lines(capsys.readouterr().err)
    assert (outer["event_id"], outer["type"], outer["subject"]) == ("e-1", "pytake.x", "1:2")
    assert "correlation_id" not in outer  # None values are left out
    assert inner["event_id"] == "e-1"
    assert (inner["topic"], inner["partition"], inner["offset"]) == ("wa.inbound.v1", 3, 42)
    assert inner["subject"] == "1:3"
    assert "topic" not in again and again["subject"] == "1:2"
    assert "event_id" not in outside


@pytest.mark.usefixtures("restore_logging")
async def test_concurrent_tasks_each_keep_their_own_context(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("sender")
    log = logging.getLogger("t")

    async def handle(event_id: str) -> None:
        with log_context(event_id=event_id):
            await asyncio.sleep(0)
            log.info("handled")

    await asyncio.gather(handle("a"), handle("b"))
    assert sorted(line["event_id"] for line in _lines(capsys.readouterr().err)) == ["a", "b"]


@pytest.mark.usefixtures("restore_logging")
def test_the_level_filters_lines_and_aiokafka_stays_at_warning_or_above(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("router", "debug")
    assert logging.getLogger().level == logging.DEBUG
    assert logging.getLogger("aiokafka").level == logging.WARNING
    logging.getLogger("aiokafka.consumer").info("joined group")
    logging.getLogger("t").debug("visible")
    assert [line["message"] for line in _lines(capsys.readouterr().err)] == ["visible"]

    configure_logging("router", "ERROR")
    assert logging.getLogger("aiokafka").level == logging.ERROR
    logging.getLogger("t").warning("hidden")
    assert capsys.readouterr().err == ""


@pytest.mark.usefixtures("restore_logging")
def test_configuring_twice_keeps_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("a")
    configure_logging("b")
    logging.getLogger("t").warning("once")
    [line] = _lines(capsys.readouterr().err)
    assert line["service"] == "b"
