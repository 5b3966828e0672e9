"""`python -m pytake_router`: settings → bootstrap → run."""

from pytake_router.bootstrap import run
from pytake_router.settings import RouterSettings
from pytake_shared.wiring import service_main

if __name__ == "__main__":
    service_main(RouterSettings(), run)
