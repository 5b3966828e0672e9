"""Kafka access shared by every service: the producer, the one consumer loop, admin helpers."""

from pytake_shared.kafka.consumer import ConsumerLoop
from pytake_shared.kafka.handlers import BatchHandler, Handler, PipelinedHandler, RecordHandler
from pytake_shared.kafka.producer import Producer
from pytake_shared.kafka.records import Record

__all__ = [
    "BatchHandler",
    "ConsumerLoop",
    "Handler",
    "PipelinedHandler",
    "Producer",
    "Record",
    "RecordHandler",
]
