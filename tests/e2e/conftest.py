"""E2E fixtures: the whole system as separate processes on this session's broker and database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pytake_tools.stack import Stack, StackConfig

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def stack_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Extra environment for every process of the stack (parametrize indirectly)."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
async def stack(
    kafka_bootstrap: str, database: str, tmp_path: Path, stack_env: dict[str, str]
) -> AsyncIterator[Stack]:
    config = StackConfig.with_free_ports(
        kafka_bootstrap=kafka_bootstrap,
        database_url=database,
        namespace=f"e2e{uuid.uuid4().hex[:8]}",
        partitions=4,
        log_dir=tmp_path / "logs",
        demo_flow_file=str(FIXTURES / "hello_flow.json"),
        status_delays_ms="50,100,150",
        extra_env=stack_env,
    )
    running = Stack(config)
    try:
        await running.start()
        yield running
    finally:
        running.stop()
        for log in sorted((tmp_path / "logs").glob("*.log")):
            text = log.read_text(errors="replace")
            if "Traceback" in text or "ERROR" in text:
                print(f"--- {log.name} ---\n{text[-4000:]}")
    # SIGTERM is a clean stop: every service finishes its batch and exits 0.
    assert running.exit_codes == dict.fromkeys(running.exit_codes, 0), running.exit_codes
