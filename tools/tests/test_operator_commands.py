"""`pytake flow validate` and `pytake topics`, against files and the real (embedded) broker."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics
from pytake_tools.operator import create_topics, describe_topic, list_topics, validate_flow_file


def test_a_valid_flow_passes_and_an_invalid_one_lists_located_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(
        orjson.dumps(
            {
                "nodes": [
                    {"id": "s", "type": "start"},
                    {"id": "m", "type": "message", "data": {"content": "hi"}},
                ],
                "edges": [{"source": "s", "target": "m"}],
            }
        )
    )
    out = io.StringIO()
    assert validate_flow_file(good, out) == 0
    assert "valid (0 errors" in out.getvalue()

    bad = tmp_path / "bad.json"
    bad.write_bytes(
        orjson.dumps(
            {
                "nodes": [
                    {"id": "s", "type": "start"},
                    {
                        "id": "b",
                        "type": "interactive_buttons",
                        "data": {
                            "bodyText": "Pick",
                            "buttons": [{"id": str(i), "title": f"B{i}"} for i in range(4)],
                        },
                    },
                    {"id": "x", "type": "teleport"},
                ],
                "edges": [{"source": "s", "target": "b"}, {"source": "b", "target": "x"}],
            }
        )
    )
    out = io.StringIO()
    assert validate_flow_file(bad, out) == 1
    text = out.getvalue()
    assert "error: node b" in text and "error: node x" in text
    assert "invalid (2 errors" in text


def test_an_unreadable_file_is_reported_not_raised(tmp_path: Path) -> None:
    out = io.StringIO()
    assert validate_flow_file(tmp_path / "missing.json", out) == 2
    (tmp_path / "list.json").write_text("[1, 2]")
    assert validate_flow_file(tmp_path / "list.json", out) == 1


async def test_topics_are_created_listed_and_described_with_a_groups_lag(
    kafka_bootstrap: str,
    topics: Topics,
) -> None:
    fresh = Topics(namespace=topics.namespace + "x", partitions=2)
    out = io.StringIO()
    assert await create_topics(kafka_bootstrap, fresh, 1, out) == 0
    assert "created 14 topics" in out.getvalue()
    out = io.StringIO()
    await list_topics(kafka_bootstrap, out)
    assert fresh.wa_inbound in out.getvalue().split()

    producer = Producer(ServiceSettings(kafka_bootstrap_servers=kafka_bootstrap))
    await producer.start()
    await producer.send_many(
        (fresh.wa_inbound, Envelope.new("t", source="t", subject=f"k{i}", data={}))
        for i in range(5)
    )
    await producer.stop()
    out = io.StringIO()
    assert await describe_topic(kafka_bootstrap, fresh.wa_inbound, "nobody", out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["partition", "end", "offset", "committed", "lag"]
    assert len(lines) == 4 and lines[-1].startswith("group nobody: total lag")
    assert int(lines[-1].split()[-1]) > 0
    assert await describe_topic(kafka_bootstrap, "no.such.topic", None, io.StringIO()) == 1


def test_pytake_version_names_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    from pytake_tools.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"pytake {metadata.version('pytake-tools')}"
