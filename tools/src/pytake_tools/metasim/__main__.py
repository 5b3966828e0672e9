"""`python -m pytake_tools.metasim`: run the Meta Graph API simulator until SIGTERM.

Configuration comes only from the environment (`METASIM_*`, `META_APP_SECRET`; see
`settings.py`). Logs go to stderr as plain text lines.
"""

from __future__ import annotations

import logging
import sys

from pytake_shared.loop import run
from pytake_tools.metasim.server import serve_forever
from pytake_tools.metasim.settings import SimulatorSettings


def main() -> None:
    settings = SimulatorSettings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    run(serve_forever(settings))


if __name__ == "__main__":
    main()
