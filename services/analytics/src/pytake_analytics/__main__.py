"""`python -m pytake_analytics`: settings → bootstrap → run.

`python -m pytake_analytics rebuild` empties the projections and replays the topics into them
(a running service waits for it, then goes on), then exits.
"""

import asyncio
import sys

from pytake_analytics.bootstrap import run
from pytake_analytics.projections import rebuild
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.logs import configure_logging
from pytake_shared.wiring import service_main


def _rebuild(settings: AnalyticsSettings) -> int:
    configure_logging(settings.service_name, settings.log_level)

    def show(done: int, total: int) -> None:
        print(f"\rreplayed {done}/{total} records", end="", file=sys.stderr, flush=True)

    report = asyncio.run(rebuild(settings, show))
    print(
        f"\nrebuilt from {report.records} records on {report.partitions} partitions "
        f"({report.undecodable} undecodable skipped) in {report.seconds:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["rebuild"]:
        sys.exit(_rebuild(AnalyticsSettings()))
    elif sys.argv[1:]:
        sys.exit(f"usage: python -m pytake_analytics [rebuild] (got {' '.join(sys.argv[1:])})")
    service_main(AnalyticsSettings(), run)
