#!/usr/bin/env python3
"""confluent-kafka (librdkafka) basic scenario against a Kafka-compatible broker.

    compat/python/.venv/bin/python compat/python/scenario_basic.py \
        --bootstrap-server 127.0.0.1:9092 [--topic T] [--count 10000] [--partitions 3]

AdminClient creates the topic, a Producer (acks=all, idempotence on) sends COUNT
records with keys, values and a header, then a Consumer assigned to every
partition from OFFSET_BEGINNING (no subscribe, no commits) reads them back and
compares them byte for byte with what the delivery reports said was written.
Prints one JSON line; exits 1 on mismatch or error, 2 on usage errors.
"""

import argparse
import hashlib
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic


def record(i: int) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    return (f"key-{i}".encode(), f"value-{i}".encode(), [("seq", str(i).encode())])


def client_version() -> str:
    v = confluent_kafka.version()  # a (str, int) tuple in older releases, a str in newer ones
    return v[0] if isinstance(v, tuple) else str(v)


def digest(records: dict[tuple[int, int], tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> str:
    h = hashlib.sha256()
    for (p, o) in sorted(records):
        k, v, hdrs = records[(p, o)]
        h.update(f"{p}:{o}:".encode() + k + b"|" + v + b"|" + repr(hdrs).encode() + b"\n")
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap-server", required=True)
    ap.add_argument("--topic", default=f"py-basic-{int(time.time() * 1000)}")
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=40.0)
    args = ap.parse_args()
    common = {"bootstrap.servers": args.bootstrap_server, "client.id": "tributary-compat-python"}

    admin = AdminClient(common)
    futures = admin.create_topics([NewTopic(args.topic, num_partitions=args.partitions, replication_factor=1)],
                                  operation_timeout=args.timeout, request_timeout=args.timeout)
    try:
        futures[args.topic].result(timeout=args.timeout)
    except KafkaException as e:
        if e.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise

    sent: dict[tuple[int, int], tuple[bytes, bytes, list[tuple[str, bytes]]]] = {}
    errors: list[str] = []

    def on_delivery_of(i: int):
        # Record what we sent (not what the report echoes) under the offset the broker assigned.
        def on_delivery(err, msg) -> None:
            if err is not None:
                errors.append(str(err))
                return
            sent[(msg.partition(), msg.offset())] = record(i)
        return on_delivery

    producer = Producer({**common, "acks": "all", "enable.idempotence": True, "linger.ms": 5})
    t0 = time.monotonic()
    for i in range(args.count):
        k, v, hdrs = record(i)
        while True:
            try:
                producer.produce(args.topic, key=k, value=v, headers=hdrs, on_delivery=on_delivery_of(i))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(args.timeout)
    produce_ms = int((time.monotonic() - t0) * 1000)
    if remaining or errors or len(sent) != args.count:
        print(json.dumps({"scenario": "python-basic", "error": "produce failed", "undelivered": remaining,
                          "errors": errors[:5], "acked": len(sent)}))
        return 1

    # group.id is required by the client; nothing joins or commits with assign() and auto commit off.
    consumer = Consumer({**common, "group.id": "tributary-compat-python-unused", "enable.auto.commit": False,
                         "enable.auto.offset.store": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in range(args.partitions)])
    received: dict[tuple[int, int], tuple[bytes, bytes, list[tuple[str, bytes]]]] = {}
    eof: set[int] = set()
    t1 = time.monotonic()
    deadline = t1 + args.timeout
    while len(received) < args.count and time.monotonic() < deadline:
        for msg in consumer.consume(num_messages=1000, timeout=0.5):
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    eof.add(msg.partition())
                    continue
                errors.append(str(msg.error()))
                continue
            received[(msg.partition(), msg.offset())] = (msg.key(), msg.value(), list(msg.headers() or []))
    consume_ms = int((time.monotonic() - t1) * 1000)
    consumer.close()

    per_partition: dict[str, dict[str, int]] = {}
    for (p, o) in sorted(received):
        e = per_partition.setdefault(str(p), {"first": o, "last": o, "count": 0})
        e["last"] = o
        e["count"] += 1
    match = received == sent and not errors
    print(json.dumps({
        "scenario": "python-basic", "client": "confluent-kafka", "version": client_version(),
        "librdkafka": confluent_kafka.libversion()[0], "topic": args.topic,
        "produced": len(sent), "consumed": len(received), "match": match,
        "producedHash": digest(sent), "consumedHash": digest(received),
        "produceMs": produce_ms, "consumeMs": consume_ms, "partitions": per_partition, "errors": errors[:5],
    }))
    return 0 if match else 1


if __name__ == "__main__":
    sys.exit(main())
