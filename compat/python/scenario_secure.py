#!/usr/bin/env python3
"""confluent-kafka (librdkafka) over a secured listener (SSL, SASL_SSL, mTLS).

    compat/python/.venv/bin/python compat/python/scenario_secure.py \
        --bootstrap-server 127.0.0.1:9093 --topic T [--count 100] \
        --config security.protocol=SASL_SSL --config sasl.mechanism=SCRAM-SHA-512 ... \
        [--expect-auth-failure]

Every --config key=value goes to the AdminClient, Producer and Consumer;
--oauth-token gives them an OAUTHBEARER token through oauth_cb. The
scenario creates the topic, produces COUNT records (acks=all) and reads them
back with an assigned consumer. With --expect-auth-failure it only asks for
metadata and reports the errors librdkafka saw (error_cb), expecting
_AUTHENTICATION. Prints one JSON line; exits 1 on mismatch or unexpected error.
"""

import argparse
import base64
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap-server", required=True)
    ap.add_argument("--topic", default=f"py-secure-{int(time.time() * 1000)}")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--config", action="append", default=[])
    ap.add_argument("--expect-auth-failure", action="store_true")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--oauth-token", help="a token for OAUTHBEARER, handed to librdkafka by oauth_cb")
    args = ap.parse_args()

    errors: list[dict[str, str]] = []

    def on_error(err: KafkaError) -> None:
        errors.append({"name": err.name(), "str": err.str()})

    common: dict[str, object] = {"bootstrap.servers": args.bootstrap_server, "error_cb": on_error}
    for kv in args.config:
        key, _, value = kv.partition("=")
        common[key] = value
    if args.oauth_token:
        token = args.oauth_token
        payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))

        def oauth_cb(_config: str) -> tuple[str, float, str, dict[str, str]]:
            return token, float(payload["exp"]), payload["sub"], {}

        common["oauth_cb"] = oauth_cb

    if args.expect_auth_failure:
        admin = AdminClient(common)
        try:
            admin.list_topics(timeout=8)
            listed = True
        except KafkaException as e:
            listed = False
            errors.append({"name": e.args[0].name(), "str": e.args[0].str()})
        admin.poll(1)  # error_cb is served here
        auth_failed = any(e["name"] == "_AUTHENTICATION" for e in errors)
        print(json.dumps({"listed": listed, "auth_failed": auth_failed, "errors": errors[:5]}))
        return 0 if auth_failed and not listed else 1

    admin = AdminClient(common)
    fs = admin.create_topics([NewTopic(args.topic, num_partitions=2, replication_factor=1)], operation_timeout=10)
    for f in fs.values():
        f.result(timeout=args.timeout)

    producer = Producer({**common, "acks": "all"})
    delivered: dict[tuple[int, int], bytes] = {}
    failures: list[str] = []

    def on_delivery(err, msg) -> None:
        if err is not None:
            failures.append(err.str())
        else:
            delivered[(msg.partition(), msg.offset())] = msg.value()

    for i in range(args.count):
        producer.produce(args.topic, key=f"k{i}".encode(), value=f"value-{i}".encode(), partition=i % 2, on_delivery=on_delivery)
    producer.flush(args.timeout)

    consumer = Consumer({**common, "group.id": f"g-{args.topic}", "enable.auto.commit": False})
    consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in range(2)])
    consumed: dict[tuple[int, int], bytes] = {}
    deadline = time.time() + args.timeout
    while len(consumed) < len(delivered) and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error() is not None:
            failures.append(msg.error().str())
            continue
        consumed[(msg.partition(), msg.offset())] = msg.value()
    consumer.close()

    match = consumed == delivered and len(delivered) == args.count
    print(json.dumps({"produced": len(delivered), "consumed": len(consumed), "match": match, "failures": failures[:5], "errors": errors[:5]}))
    return 0 if match and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
