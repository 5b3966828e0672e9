"""Line coverage per package (shared, each service, tools) from the combined coverage data.

`make test` runs it after pytest: it combines the data files written by the test process and
by every service process the e2e tests started, prints one row per package and fails when a
package is under the threshold.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict

import coverage

_PACKAGE = re.compile(r"/(pytake_[a-z]+)/")


def per_package(cov: coverage.Coverage) -> dict[str, tuple[int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for filename in cov.get_data().measured_files():
        match = _PACKAGE.search(filename)
        if not match:
            continue
        _, statements, _, missing, _ = cov.analysis2(filename)
        totals[match.group(1)][0] += len(statements)
        totals[match.group(1)][1] += len(statements) - len(missing)
    return {name: (s, c) for name, (s, c) in sorted(totals.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fail-under", type=float, default=80.0)
    args = parser.parse_args(argv)
    cov = coverage.Coverage()
    cov.combine(keep=False)
    cov.save()
    cov.load()
    rows = per_package(cov)
    failing = []
    print(f"\n{'package':<20} {'lines':>7} {'covered':>8} {'cover':>7}")
    for name, (statements, covered) in rows.items():
        pct = 100.0 * covered / statements if statements else 100.0
        flag = "" if pct >= args.fail_under else "  < threshold"
        print(f"{name:<20} {statements:>7} {covered:>8} {pct:>6.1f}%{flag}")
        if pct < args.fail_under:
            failing.append(name)
    if failing:
        print(f"coverage under {args.fail_under:.0f}%: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
