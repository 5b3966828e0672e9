"""`python -m pytake_analytics`: settings → bootstrap → run."""

from pytake_analytics.bootstrap import run
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.wiring import service_main

if __name__ == "__main__":
    service_main(AnalyticsSettings(), run)
