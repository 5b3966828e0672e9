"""A simulator of Meta's WhatsApp Cloud API (Graph API) for development and tests.

It accepts `POST /{version}/{phone_number_id}/messages` like Meta, records every call for
`GET /_sim/messages`, sends signed status webhooks (sent, delivered, read, or failed 131047) to
`METASIM_WEBHOOK_URL`, and injects faults (throttling, 5xx, timeouts, pair rate limit, closed
windows, expired tokens, throughput). Run it with `python -m pytake_tools.metasim`, or in a test
with `async with run_simulator(settings) as base_url:`.
"""

from pytake_tools.metasim.app import create_app
from pytake_tools.metasim.server import run_simulator, serve_app
from pytake_tools.metasim.settings import Faults, SimulatorSettings

__all__ = ["Faults", "SimulatorSettings", "create_app", "run_simulator", "serve_app"]
