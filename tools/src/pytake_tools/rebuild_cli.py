"""`pytake rebuild analytics`: empty the analytics projections and fold them again from the
topics (`pytake_analytics.projections.rebuild`), with progress on stderr.

The analytics service may keep running: its live consumer waits while the rebuild holds the
projections' rebuild lock, then goes on from the offsets the rebuild stored. Connection
settings come from the same environment variables the service reads (`DATABASE_URL`,
`KAFKA_BOOTSTRAP_SERVERS`, `PYTAKE_TOPIC_NAMESPACE`, ...); the options override them.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from pytake_analytics.projections import rebuild
from pytake_analytics.settings import AnalyticsSettings
from pytake_tools.progress import Progress


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "rebuild",
        help="rebuild read models from the topics",
        description="Rebuild read models from scratch by replaying the topics.",
    )
    targets = parser.add_subparsers(dest="rebuild_target", required=True)
    analytics = targets.add_parser(
        "analytics",
        help="empty the analytics projections and replay the topics into them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analytics.add_argument("--database-url", help="PostgreSQL URL (default $DATABASE_URL)")
    analytics.add_argument("--bootstrap", help="Kafka bootstrap (default $KAFKA_BOOTSTRAP_SERVERS)")
    analytics.add_argument("--namespace", help="topic namespace (default $PYTAKE_TOPIC_NAMESPACE)")
    analytics.add_argument(
        "--progress", action="store_true", default=None, help="show progress even if not a TTY"
    )


def settings_from(args: argparse.Namespace) -> AnalyticsSettings:
    overrides: dict[str, Any] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if args.bootstrap:
        overrides["kafka_bootstrap_servers"] = args.bootstrap
    if args.namespace is not None:
        overrides["pytake_topic_namespace"] = args.namespace
    return AnalyticsSettings(**overrides)


async def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    settings = settings_from(args)
    with Progress(None, "replaying topics", stream=err, enabled=args.progress) as bar:

        def show(done: int, total: int) -> None:
            bar.set_total(max(total, done))
            bar.advance(done - bar.done)

        report = await rebuild(settings, show)
    print(
        f"analytics projections rebuilt from {report.records} records on "
        f"{report.partitions} partitions in {report.seconds:.1f}s "
        f"({report.undecodable} undecodable records skipped)",
        file=out,
    )
    return 0
