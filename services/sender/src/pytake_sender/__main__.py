"""`python -m pytake_sender`: settings → bootstrap → run."""

from pytake_sender.bootstrap import run
from pytake_sender.settings import SenderSettings
from pytake_shared.wiring import service_main

if __name__ == "__main__":
    service_main(SenderSettings(), run)
