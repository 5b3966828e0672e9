"""Kafka access shared by every service: the producer, the one consumer loop, admin helpers."""

from pytake_shared.kafka.consumer import ConsumerLoop, Record, RecordHandler
from pytake_shared.kafka.producer import Producer

__all__ = ["ConsumerLoop", "Producer", "Record", "RecordHandler"]
