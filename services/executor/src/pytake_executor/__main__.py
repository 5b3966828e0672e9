"""`python -m pytake_executor`: settings → bootstrap → run."""

from pytake_executor.bootstrap import run
from pytake_executor.settings import ExecutorSettings
from pytake_shared.wiring import service_main

if __name__ == "__main__":
    service_main(ExecutorSettings(), run)
