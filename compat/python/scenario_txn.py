#!/usr/bin/env python3
"""confluent-kafka (librdkafka) transactions: commit, abort, fencing, consume-transform-produce.

    scenario_txn.py commit-abort --bootstrap-server B --topic T [--partitions 3] [--committed 6] [--aborted 4] [--per-txn 9]
    scenario_txn.py fence --bootstrap-server B --topic T [--partitions 3] [--count 6]
    scenario_txn.py timeout --bootstrap-server B --topic T [--partitions 3] [--count 6] [--transaction-timeout-ms 3000] [--wait-ms 30000]
    scenario_txn.py consume-transform-produce --bootstrap-server B --input I --output O --group G
        [--partitions 3] [--count 3000] [--batch 100] [--abort-every 4]

commit-abort: a transactional producer writes COMMITTED committed and ABORTED aborted
transactions interleaved (commit, abort, commit, ..., then the remaining commits), PER_TXN
records each over the partitions (record j of transaction t to partition (t + j) % P); aborted
ones are flushed first, so their records are in the log. A read_committed consumer (assign, from
the beginning, to end of partition) must see exactly the committed records in offset order, a
read_uncommitted one all of them, and each partition's high watermark counts one marker per
transaction that touched it.
fence: producer A leaves a transaction open; producer B with the same transactional.id
init_transactions() (fencing A and aborting its transaction); A's commit fails fatally; B commits;
read_committed sees only B's records.
timeout: a child process opens a transaction and exits without ending it; records written after
it reach a read_committed consumer only once the coordinator aborted it for its
transaction.timeout.ms (within --wait-ms: Kafka checks every 10 s by default), never its own.
consume-transform-produce: a classic group consumer (read_committed, no auto-commit) and a
transactional producer copy each batch upper-cased to the output with send_offsets_to_transaction;
every ABORT_EVERY'th batch is aborted and redone from the group's committed offsets (which must
not include it). The output must hold every input exactly once and the group's committed offsets
be the input's end offsets.

Each step prints one JSON line with "ok" and "failures" ("error" on a client error); exits 1
when anything failed, 2 on usage errors.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


class Checks:
    def __init__(self, scenario: str) -> None:
        self.summary: dict = {"scenario": scenario}
        self.failures: list[str] = []

    def equal(self, what: str, expected, actual) -> None:
        if expected != actual:
            self.failures.append(f"{what}: expected {str(expected)[:600]} but got {str(actual)[:600]}")

    def check(self, what: str, ok: bool, detail) -> None:
        if not ok:
            self.failures.append(f"{what}: {str(detail)[:600]}")

    def result(self) -> dict:
        return {**self.summary, "ok": not self.failures, "failures": self.failures}


def create_topic(args: argparse.Namespace, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": args.bootstrap_server})
    futures = admin.create_topics([NewTopic(topic, num_partitions=args.partitions, replication_factor=1)],
                                  operation_timeout=args.timeout, request_timeout=args.timeout)
    try:
        futures[topic].result(timeout=args.timeout)
    except KafkaException as e:
        if e.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise


def tx_producer(args: argparse.Namespace, txn_id: str, txn_timeout_ms: int = 60000) -> Producer:
    return Producer({
        "bootstrap.servers": args.bootstrap_server,
        "client.id": "tributary-compat-python-txn",
        "transactional.id": txn_id,
        "linger.ms": 5,
        "transaction.timeout.ms": txn_timeout_ms,
        # Bounded, so a broker without transactions fails the step instead of hanging it
        # (and no longer than the transaction, as librdkafka requires).
        "message.timeout.ms": min(30000, txn_timeout_ms),
    })


def init_transactions(producer: Producer, args: argparse.Namespace) -> None:
    """init_transactions(), its failure named (librdkafka's own message doesn't say which call timed out)."""
    try:
        producer.init_transactions(args.timeout)
    except KafkaException as e:
        raise RuntimeError(f"init_transactions() failed within {args.timeout} s (FindCoordinator type 1 + InitProducerId): "
                           f"{e.args[0]}") from e


def plain_producer(args: argparse.Namespace) -> Producer:
    return Producer({"bootstrap.servers": args.bootstrap_server, "client.id": "tributary-compat-python-plain",
                     "acks": "all", "linger.ms": 5})


def read_to_end(args: argparse.Namespace, topic: str, isolation: str) -> dict[int, list[tuple[int, str, str]]]:
    """Every partition from the beginning to its end (the LSO for read_committed): {p: [(offset, key, value)]}."""
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap_server,
        "group.id": "unused-no-commits",
        "client.id": f"tributary-compat-python-{isolation}",
        "isolation.level": isolation,
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    out: dict[int, list[tuple[int, str, str]]] = {p: [] for p in range(args.partitions)}
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(args.partitions)])
        at_end: set[int] = set()
        deadline = time.time() + args.timeout
        while len(at_end) < args.partitions:
            if time.time() > deadline:
                raise RuntimeError(f"{isolation} consumer of {topic} did not reach the end of partitions "
                                   f"{sorted(set(range(args.partitions)) - at_end)} within {args.timeout} s")
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(msg.partition())
                    continue
                raise KafkaException(msg.error())
            at_end.discard(msg.partition())
            out[msg.partition()].append((msg.offset(), msg.key().decode(), msg.value().decode()))
    finally:
        consumer.close()
    return out


def high_watermarks(args: argparse.Namespace, topic: str, isolation: str = "read_uncommitted") -> dict[str, int]:
    """End offsets as this isolation level sees them: the last stable offsets for read_committed."""
    consumer = Consumer({"bootstrap.servers": args.bootstrap_server, "group.id": "unused-no-commits",
                         "isolation.level": isolation})
    try:
        return {str(p): consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=args.timeout)[1]
                for p in range(args.partitions)}
    finally:
        consumer.close()


def await_settled(args: argparse.Namespace, topic: str) -> int:
    """Waits (up to 10 s) until the last stable offset is the high watermark on every partition.

    Kafka answers EndTxn once the outcome is logged and writes the markers after it, so right
    after commit_transaction() the LSO may still be short of the end. A broker that never gets
    there is left to the checks that follow. Returns the wait in milliseconds.
    """
    t0 = time.time()
    while time.time() - t0 < 10:
        if high_watermarks(args, topic, "read_committed") == high_watermarks(args, topic):
            break
        time.sleep(0.1)
    return round((time.time() - t0) * 1000)


def commit_abort(args: argparse.Namespace) -> dict:
    c = Checks("commit-abort")
    create_topic(args, args.topic)
    txn_id = f"{args.topic}-txn"
    producer = tx_producer(args, txn_id)
    t0 = time.time()
    init_transactions(producer, args)
    c.summary["initTransactionsMs"] = round((time.time() - t0) * 1000)
    delivered: dict[str, tuple[int, int]] = {}
    errors: list[str] = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            delivered[msg.value().decode()] = (msg.partition(), msg.offset())

    visible: dict[int, list[tuple[int, str]]] = {p: [] for p in range(args.partitions)}
    everything: dict[int, list[tuple[int, str]]] = {p: [] for p in range(args.partitions)}
    markers = [0] * args.partitions
    for t in range(args.committed + args.aborted):
        abort = t < 2 * args.aborted and t % 2 == 1
        outcome = "abort" if abort else "commit"
        producer.begin_transaction()
        values = []
        for j in range(args.per_txn):
            p = (t + j) % args.partitions
            value = f"txn-{t}-rec-{j}-{outcome}"
            values.append(value)
            producer.produce(args.topic, key=f"t{t}-{j}", value=value, partition=p, on_delivery=on_delivery)
        # Aborted data must reach the log (read_uncommitted sees it): flush before ending.
        left = producer.flush(args.timeout)
        if left:
            raise RuntimeError(f"{left} records of transaction {t} not delivered")
        if abort:
            producer.abort_transaction(args.timeout)
        else:
            producer.commit_transaction(args.timeout)
        for p in {(t + j) % args.partitions for j in range(args.per_txn)}:
            markers[p] += 1
        for v in values:
            p, o = delivered[v]
            everything[p].append((o, v))
            if not abort:
                visible[p].append((o, v))
    if errors:
        raise RuntimeError(f"delivery errors: {errors[:5]}")

    c.summary["settleMs"] = await_settled(args, args.topic)
    rc = read_to_end(args, args.topic, "read_committed")
    ru = read_to_end(args, args.topic, "read_uncommitted")
    hw = high_watermarks(args, args.topic)
    c.summary.update({
        "committedRecords": sum(len(v) for v in visible.values()),
        "abortedRecords": sum(len(v) for v in everything.values()) - sum(len(v) for v in visible.values()),
        "readCommitted": sum(len(v) for v in rc.values()),
        "readUncommitted": sum(len(v) for v in ru.values()),
        "highWatermarks": hw,
    })
    for p in range(args.partitions):
        c.equal(f"read_committed partition {p} (offset, value) in order", sorted(visible[p]), [(o, v) for o, _, v in rc[p]])
        c.equal(f"read_uncommitted partition {p} (offset, value) in order", sorted(everything[p]), [(o, v) for o, _, v in ru[p]])
        c.equal(f"partition {p} high watermark = records + markers", len(everything[p]) + markers[p], hw[str(p)])
    return c.result()


def fence(args: argparse.Namespace) -> dict:
    c = Checks("fence")
    create_topic(args, args.topic)
    txn_id = f"{args.topic}-txn"
    a = tx_producer(args, txn_id)
    init_transactions(a, args)
    a.begin_transaction()
    for j in range(args.count):
        a.produce(args.topic, key=f"a-{j}", value=f"a-{j}", partition=j % args.partitions)
    a.flush(args.timeout)

    b = tx_producer(args, txn_id)
    t0 = time.time()
    init_transactions(b, args)  # fences A and aborts its open transaction
    c.summary["initWhileOpenMs"] = round((time.time() - t0) * 1000)
    try:
        a.commit_transaction(args.timeout)
        c.summary["fencedCommit"] = "succeeded"
    except KafkaException as e:
        err = e.args[0]
        c.summary["fencedCommit"] = err.name()
        c.summary["fencedCommitFatal"] = err.fatal()
    c.check("the fenced producer's commit fails fatally", c.summary.get("fencedCommitFatal") is True, c.summary["fencedCommit"])

    b.begin_transaction()
    for j in range(args.count):
        b.produce(args.topic, key=f"b-{j}", value=f"b-{j}", partition=j % args.partitions)
    b.commit_transaction(args.timeout)

    await_settled(args, args.topic)
    rc = read_to_end(args, args.topic, "read_committed")
    seen = sorted(v for recs in rc.values() for _, _, v in recs)
    c.summary["readCommitted"] = len(seen)
    c.equal("read_committed: only B's records", sorted(f"b-{j}" for j in range(args.count)), seen)
    ru = read_to_end(args, args.topic, "read_uncommitted")
    c.equal("read_uncommitted: A's and B's records", 2 * args.count, sum(len(v) for v in ru.values()))
    return c.result()


def open_and_exit(args: argparse.Namespace) -> dict:
    """The zombie (a child process): opens a transaction, writes, and exits without ending it."""
    producer = tx_producer(args, f"{args.topic}-txn", args.transaction_timeout_ms)
    init_transactions(producer, args)
    producer.begin_transaction()
    began = time.time()
    first: dict[str, int] = {}

    def on_delivery(err, msg):
        if err is None:
            first[str(msg.partition())] = min(first.get(str(msg.partition()), msg.offset()), msg.offset())

    for j in range(args.count):
        producer.produce(args.topic, key=f"zombie-{j}", value=f"zombie-{j}", partition=j % args.partitions, on_delivery=on_delivery)
    if producer.flush(args.timeout):
        raise RuntimeError("the zombie's records were not delivered")
    print(json.dumps({"open": True, "beganAtMs": round(began * 1000), "firstOffsets": first}), flush=True)
    os._exit(0)  # no commit, no abort, no close: the transaction stays open


def timeout(args: argparse.Namespace) -> dict:
    """A transaction abandoned by its producer is aborted after transaction.timeout.ms.

    A child process opens a transaction and exits; a plain producer writes after it; a
    read_committed consumer sees those records only once the coordinator aborted the transaction
    (not before transaction.timeout.ms), never the zombie's; then the id commits again.
    """
    c = Checks("timeout")
    create_topic(args, args.topic)
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "open-and-exit", "--bootstrap-server", args.bootstrap_server,
                            "--topic", args.topic, "--partitions", str(args.partitions), "--count", str(args.count),
                            "--transaction-timeout-ms", str(args.transaction_timeout_ms), "--timeout", str(args.timeout)],
                           capture_output=True, text=True, timeout=args.timeout * 3)
    opened = next((json.loads(line) for line in child.stdout.splitlines() if line.startswith("{")), None)
    if opened is None or not opened.get("open"):
        raise RuntimeError(f"the zombie producer failed: exit {child.returncode} {child.stdout[-2000:]} {child.stderr[-2000:]}")
    c.summary["zombie"] = opened
    plain = plain_producer(args)
    after = [f"after-{p}" for p in range(args.partitions)]
    for p in range(args.partitions):
        plain.produce(args.topic, key=after[p], value=after[p], partition=p)
    if plain.flush(args.timeout):
        raise RuntimeError("the records after the open transaction were not delivered")

    consumer = Consumer({"bootstrap.servers": args.bootstrap_server, "group.id": "unused-no-commits",
                         "isolation.level": "read_committed", "enable.auto.commit": False})
    seen: list[str] = []
    unblocked_at = None
    try:
        consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in range(args.partitions)])
        deadline = time.time() + args.wait_ms / 1000
        while time.time() < deadline:
            msg = consumer.poll(0.1)
            if msg is None:
                continue
            if msg.error():
                raise KafkaException(msg.error())
            seen.append(msg.value().decode())
            if all(a in seen for a in after):
                unblocked_at = time.time()
                break
    finally:
        consumer.close()
    c.summary["transactionTimeoutMs"] = args.transaction_timeout_ms
    if unblocked_at is None:
        c.failures.append(f"read_committed did not get past the abandoned transaction within {args.wait_ms} ms "
                          f"(transaction.timeout.ms={args.transaction_timeout_ms}); saw {seen}")
        return c.result()
    waited = round(unblocked_at * 1000) - opened["beganAtMs"]
    c.summary["unblockedAfterMs"] = waited
    c.check("the open transaction stays open at least transaction.timeout.ms", waited >= args.transaction_timeout_ms, f"{waited} ms")
    c.equal("read_committed: only the records after the aborted transaction", sorted(after), sorted(seen))

    again = tx_producer(args, f"{args.topic}-txn")
    init_transactions(again, args)
    again.begin_transaction()
    for p in range(args.partitions):
        again.produce(args.topic, key=f"b-{p}", value=f"b-{p}", partition=p)
    again.commit_transaction(args.timeout)
    await_settled(args, args.topic)
    rc = read_to_end(args, args.topic, "read_committed")
    c.equal("read_committed at the end", sorted(after + [f"b-{p}" for p in range(args.partitions)]),
            sorted(v for recs in rc.values() for _, _, v in recs))
    return c.result()


def consume_transform_produce(args: argparse.Namespace) -> dict:
    c = Checks("consume-transform-produce")
    create_topic(args, args.input)
    create_topic(args, args.output)
    plain = plain_producer(args)
    for i in range(args.count):
        plain.produce(args.input, key=f"key-{i}", value=f"value-{i}", partition=i % args.partitions)
        plain.poll(0)
    if plain.flush(args.timeout):
        raise RuntimeError("input not delivered")

    consumer = Consumer({
        "bootstrap.servers": args.bootstrap_server,
        "client.id": "tributary-compat-python-ctp",
        "group.id": args.group,
        "group.protocol": "classic",
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    producer = tx_producer(args, f"{args.group}-txn")
    init_transactions(producer, args)
    batches = aborted_batches = aborted_records = processed = 0
    t0 = time.time()
    try:
        consumer.subscribe([args.input])
        deadline = time.time() + args.timeout * 3
        while processed < args.count and time.time() < deadline:
            msgs = consumer.consume(num_messages=args.batch, timeout=0.5)
            msgs = [m for m in msgs if m.error() is None or m.error().code() != KafkaError._PARTITION_EOF]
            if not msgs:
                continue
            for m in msgs:
                if m.error():
                    raise KafkaException(m.error())
            producer.begin_transaction()
            first: dict[int, int] = {}
            nxt: dict[int, int] = {}
            for m in msgs:
                producer.produce(args.output, key=m.key(), partition=m.partition(),
                                 value=f"{m.value().decode().upper()}@{m.partition()}:{m.offset()}")
                first.setdefault(m.partition(), m.offset())
                nxt[m.partition()] = m.offset() + 1
            producer.send_offsets_to_transaction([TopicPartition(args.input, p, o) for p, o in nxt.items()],
                                                 consumer.consumer_group_metadata(), args.timeout)
            batches += 1
            if args.abort_every > 0 and batches % args.abort_every == 0:
                producer.flush(args.timeout)
                producer.abort_transaction(args.timeout)
                aborted_batches += 1
                aborted_records += len(msgs)
                # Redo from what the group committed: the aborted offsets must not be there.
                committed = consumer.committed([TopicPartition(args.input, p) for p in first], timeout=args.timeout)
                for tp in committed:
                    at = tp.offset if tp.offset >= 0 else 0
                    c.equal(f"committed offset of partition {tp.partition} after an aborted batch", first[tp.partition], at)
                    consumer.seek(TopicPartition(args.input, tp.partition, at))
            else:
                producer.commit_transaction(args.timeout)
                processed += len(msgs)
    finally:
        consumer.close()
    c.summary.update({"processMs": round((time.time() - t0) * 1000), "batches": batches, "abortedBatches": aborted_batches,
                      "abortedRecords": aborted_records, "processed": processed})
    c.equal("records processed in committed transactions", args.count, processed)

    await_settled(args, args.output)
    out = read_to_end(args, args.output, "read_committed")
    copies: dict[str, int] = {}
    wrong = 0
    for p, recs in out.items():
        last = -1
        for _, k, v in recs:
            copies[k] = copies.get(k, 0) + 1
            i = int(k[len("key-"):])
            if p != i % args.partitions or not v.startswith(f"VALUE-{i}@{p}:"):
                wrong += 1
            src = int(v.rsplit(":", 1)[1])
            c.check(f"output partition {p} in input order", src > last, f"{src} after {last}")
            last = src
    duplicates = sum(1 for n in copies.values() if n > 1)
    c.summary.update({"outputCommitted": sum(len(r) for r in out.values()), "distinctKeys": len(copies), "duplicates": duplicates})
    c.equal("read_committed output records", args.count, c.summary["outputCommitted"])
    c.equal("distinct inputs in the output", args.count, len(copies))
    c.equal("inputs copied more than once", 0, duplicates)
    c.equal("output records with a wrong value or partition", 0, wrong)
    out_all = read_to_end(args, args.output, "read_uncommitted")
    c.summary["outputUncommitted"] = sum(len(r) for r in out_all.values())
    c.equal("read_uncommitted output = committed + aborted copies", args.count + aborted_records, c.summary["outputUncommitted"])

    check = Consumer({"bootstrap.servers": args.bootstrap_server, "group.id": args.group, "enable.auto.commit": False})
    try:
        offsets = check.committed([TopicPartition(args.input, p) for p in range(args.partitions)], timeout=args.timeout)
    finally:
        check.close()
    got = {str(tp.partition): tp.offset for tp in offsets}
    c.summary["committedOffsets"] = got
    per = {str(p): args.count // args.partitions + (1 if p < args.count % args.partitions else 0) for p in range(args.partitions)}
    c.equal("the group's committed offsets", per, got)
    return c.result()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["commit-abort", "fence", "timeout", "consume-transform-produce", "open-and-exit"])
    ap.add_argument("--bootstrap-server", required=True)
    ap.add_argument("--topic", default="")
    ap.add_argument("--input", default="")
    ap.add_argument("--output", default="")
    ap.add_argument("--group", default="")
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--committed", type=int, default=6)
    ap.add_argument("--aborted", type=int, default=4)
    ap.add_argument("--per-txn", type=int, default=9)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--abort-every", type=int, default=4)
    ap.add_argument("--transaction-timeout-ms", type=int, default=3000)
    ap.add_argument("--wait-ms", type=int, default=30000, help="timeout: how long read_committed may stay blocked")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds, per blocking client call")
    args = ap.parse_args()
    if args.step in ("commit-abort", "fence", "timeout", "open-and-exit") and not args.topic:
        ap.error("--topic is required")
    if args.step == "consume-transform-produce" and not (args.input and args.output and args.group):
        ap.error("--input, --output and --group are required")
    if args.aborted > args.committed:
        ap.error("--aborted must not exceed --committed")
    if args.count == 0:
        args.count = 3000 if args.step == "consume-transform-produce" else 6
    try:
        if args.step == "commit-abort":
            summary = commit_abort(args)
        elif args.step == "fence":
            summary = fence(args)
        elif args.step == "timeout":
            summary = timeout(args)
        elif args.step == "open-and-exit":
            summary = open_and_exit(args)
        else:
            summary = consume_transform_produce(args)
    except Exception as e:  # noqa: BLE001 - report any client failure as JSON for the test's message
        print(json.dumps({"scenario": args.step, "ok": False, "error": f"{type(e).__name__}: {e}"}))
        return 1
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
