#!/usr/bin/env python3
"""confluent-kafka (librdkafka) producer for the reliability crash loop.

    compat/python/.venv/bin/python compat/python/crash_loop.py \
        --bootstrap-server 127.0.0.1:9092 --topic T --partitions 4 [--idempotence 1] [--rate 2000]

Produces to every partition in turn with acks=all, value b"<partition>:<seq>" with
seq counting up per partition, until SIGTERM; then flushes what is queued (the
broker is up again by then) and exits. The broker is SIGKILLed and restarted
underneath it; librdkafka reconnects and retries. Each delivery report is one
line on stdout, written as it arrives:

    ack <partition> <offset> <seq>
    err <partition> <seq> <error name>

and at the end one JSON summary line. Without idempotence max.in.flight is 1 so
that retries cannot reorder (they may still duplicate).
"""

import argparse
import json
import signal
import sys
import time

from confluent_kafka import Producer

stop = False


def on_term(_signum, _frame):
    global stop
    stop = True


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap-server", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--partitions", type=int, required=True)
    ap.add_argument("--idempotence", type=int, default=1)
    ap.add_argument("--rate", type=int, default=2000, help="records per second, all partitions together")
    ap.add_argument("--flush-timeout", type=float, default=120.0)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)

    idempotent = args.idempotence == 1
    conf = {
        "bootstrap.servers": args.bootstrap_server,
        "client.id": "tributary-crash-loop",
        "acks": "all",
        "enable.idempotence": idempotent,
        "linger.ms": 5,
        # Records must outlive the broker's restarts: librdkafka retries until this expires.
        "message.timeout.ms": 300000,
        "retry.backoff.ms": 50,
        "retry.backoff.max.ms": 500,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 500,
        "socket.connection.setup.timeout.ms": 3000,
    }
    if not idempotent:
        conf["max.in.flight.requests.per.connection"] = 1
    producer = Producer(conf)
    out = sys.stdout
    counts = {"produced": 0, "acked": 0, "failed": 0}

    def report(err, msg):
        p = msg.partition()
        seq = int(msg.value().split(b":")[1])
        if err is None:
            counts["acked"] += 1
            out.write(f"ack {p} {msg.offset()} {seq}\n")
        else:
            counts["failed"] += 1
            out.write(f"err {p} {seq} {err.name()}\n")

    next_seq = [0] * args.partitions
    started = time.monotonic()
    while not stop:
        # Keep to the rate, and to a bounded queue while the broker is down.
        due = int((time.monotonic() - started) * args.rate)
        if counts["produced"] >= due or len(producer) > 20000:
            producer.poll(0.005)
            out.flush()
            continue
        p = counts["produced"] % args.partitions
        seq = next_seq[p]
        next_seq[p] += 1
        producer.produce(args.topic, value=f"{p}:{seq}".encode(), key=str(seq).encode(), partition=p, on_delivery=report)
        counts["produced"] += 1
        producer.poll(0)
    remaining = producer.flush(args.flush_timeout)
    counts["unflushed"] = remaining
    out.write(json.dumps(counts) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
