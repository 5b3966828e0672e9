"""Projections of the conversation topics: the live consumer and the from-scratch rebuild."""

from pytake_analytics.projections.handler import GROUP, ProjectionHandler
from pytake_analytics.projections.rebuild import RebuildReport, rebuild

__all__ = ["GROUP", "ProjectionHandler", "RebuildReport", "rebuild"]
