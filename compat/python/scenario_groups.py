#!/usr/bin/env python3
"""confluent-kafka (librdkafka) consumer-group scenario: commit, broker restart, resume.

Run as three separate steps so the broker can be restarted (on a new port) between them:

    scenario_groups.py produce --bootstrap-server B --topic T --count 300 [--partitions 3]
    scenario_groups.py consume-commit --bootstrap-server B --topic T --group G --count 100 [--protocol classic|consumer]
    scenario_groups.py resume --bootstrap-server B --topic T --group G --count 200 [--protocol classic|consumer]

produce: AdminClient creates the topic; record i goes to partition i % partitions with
key "key-i" and value "value-i".
consume-commit: a subscribed group consumer (enable.auto.commit=false) polls COUNT records,
commits last offset + 1 per partition synchronously, then closes.
resume: a new consumer in the same group reads committed() for every partition, then polls
until it has COUNT records and the topic stays quiet for a moment (to catch re-deliveries).
Each step prints one JSON line; exits 1 on error, 2 on usage errors.
"""

import argparse
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def consumer_config(args: argparse.Namespace) -> dict:
    conf = {
        "bootstrap.servers": args.bootstrap_server,
        "client.id": "tributary-compat-python-groups",
        "group.id": args.group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "group.protocol": args.protocol,
    }
    if args.protocol == "classic":
        # Short session so a stale member from a previous step cannot hold partitions for long.
        conf["session.timeout.ms"] = 6000
    # Small fetches (with the producer's small batches) interleave partitions, so the
    # first K records end mid-way through every partition rather than exhausting one.
    conf["max.partition.fetch.bytes"] = 256
    return conf


def produce(args: argparse.Namespace) -> dict:
    common = {"bootstrap.servers": args.bootstrap_server, "client.id": "tributary-compat-python-groups"}
    admin = AdminClient(common)
    futures = admin.create_topics([NewTopic(args.topic, num_partitions=args.partitions, replication_factor=1)],
                                  operation_timeout=args.timeout, request_timeout=args.timeout)
    try:
        futures[args.topic].result(timeout=args.timeout)
    except KafkaException as e:
        if e.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise
    producer = Producer({**common, "acks": "all", "enable.idempotence": True, "linger.ms": 5,
                         "batch.num.messages": 10})
    errors: list[str] = []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(str(err))

    for i in range(args.count):
        producer.produce(args.topic, key=f"key-{i}", value=f"value-{i}", partition=i % args.partitions,
                         on_delivery=on_delivery)
        producer.poll(0)
    left = producer.flush(args.timeout)
    if left or errors:
        raise RuntimeError(f"{left} records undelivered, errors: {errors[:5]}")
    return {"produced": args.count}


def poll_records(consumer: Consumer, want: int, deadline: float, quiet: float) -> list[dict]:
    """Polls until `want` records arrived, then keeps polling `quiet` seconds for extras."""
    out: list[dict] = []
    quiet_until = None
    while time.time() < deadline:
        if len(out) >= want:
            if quiet_until is None:
                quiet_until = time.time() + quiet
            if time.time() >= quiet_until:
                break
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise KafkaException(msg.error())
        out.append({"p": msg.partition(), "o": msg.offset(),
                    "k": msg.key().decode() if msg.key() is not None else None,
                    "v": msg.value().decode() if msg.value() is not None else None})
    return out


def consume_commit(args: argparse.Namespace) -> dict:
    consumer = Consumer(consumer_config(args))
    try:
        consumer.subscribe([args.topic])
        records = poll_records(consumer, args.count, time.time() + args.timeout, 0)
        records = records[:args.count]
        if len(records) < args.count:
            raise RuntimeError(f"consumed {len(records)} of {args.count} within {args.timeout} s")
        last: dict[int, int] = {}
        for r in records:
            last[r["p"]] = max(last.get(r["p"], -1), r["o"])
        offsets = [TopicPartition(args.topic, p, o + 1) for p, o in sorted(last.items())]
        result = consumer.commit(offsets=offsets, asynchronous=False)
        for tp in result or []:
            if tp.error is not None:
                raise KafkaException(tp.error)
        committed = {str(tp.partition): tp.offset for tp in (result or [])}
    finally:
        consumer.close()
    return {"consumed": records, "committed": committed}


def resume(args: argparse.Namespace) -> dict:
    consumer = Consumer(consumer_config(args))
    try:
        tps = [TopicPartition(args.topic, p) for p in range(args.partitions)]
        fetched = consumer.committed(tps, timeout=args.timeout)
        committed = {}
        for tp in fetched:
            if tp.error is not None:
                raise KafkaException(tp.error)
            committed[str(tp.partition)] = tp.offset
        consumer.subscribe([args.topic])
        records = poll_records(consumer, args.count, time.time() + args.timeout, 1.5)
    finally:
        consumer.close()
    return {"committed": committed, "consumed": records}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["produce", "consume-commit", "resume"])
    ap.add_argument("--bootstrap-server", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", default="")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--protocol", choices=["classic", "consumer"], default="classic")
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()
    if args.step != "produce" and not args.group:
        ap.error("--group is required for consume-commit and resume")
    try:
        if args.step == "produce":
            summary = produce(args)
        elif args.step == "consume-commit":
            summary = consume_commit(args)
        else:
            summary = resume(args)
    except Exception as e:  # noqa: BLE001 - report any client failure as JSON for the test's message
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
