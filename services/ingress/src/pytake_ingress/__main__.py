"""`python -m pytake_ingress`: settings → bootstrap → run."""

from pytake_ingress.bootstrap import run
from pytake_ingress.settings import IngressSettings
from pytake_shared.wiring import service_main

if __name__ == "__main__":
    service_main(IngressSettings(), run)
