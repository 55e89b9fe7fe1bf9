#!/usr/bin/env python3
"""confluent-kafka-python's Schema Registry client and serializers against Tributary.

    compat/python/.venv/bin/python compat/python/scenario_schema_registry.py \
        --bootstrap-server 127.0.0.1:9092 --registry http://127.0.0.1:8080 \
        --format avro|json|protobuf --produce-topic T1 --consume-topic T2 --count 3

With --produce-topic, serializes COUNT records (auto-registering the schema under
T1-value) and produces them with acks=all. With --consume-topic, reads COUNT
records of T2 from the beginning (assigned partition 0, no group) and
deserializes them with the writer schema fetched from the registry. Records are
{"name": "user-i", "age": i}. With --api-key KEY:SECRET the registry client
authenticates with it (basic.auth.user.info) and so do the
producer and consumer (SASL_PLAINTEXT, PLAIN), as with a Confluent Cloud API key. Prints one JSON line with what it produced
(schema id) and consumed (decoded records); exits 1 on error.
"""

import argparse
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.serialization import MessageField, SerializationContext

AVRO_SCHEMA = json.dumps({
    "type": "record", "name": "User", "namespace": "com.example",
    "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}],
})

JSON_SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#", "title": "User", "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
})


def protobuf_message_class():
    """A User message class built at run time (no protoc): package com.example; message User { string name = 1; int32 age = 2; }."""
    from google.protobuf import descriptor_pb2, descriptor_pool
    from google.protobuf.message_factory import GetMessageClass

    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name = "user.proto"
    fdp.package = "com.example"
    fdp.syntax = "proto3"
    msg = fdp.message_type.add()
    msg.name = "User"
    f = msg.field.add()
    f.name, f.number, f.type, f.label = "name", 1, descriptor_pb2.FieldDescriptorProto.TYPE_STRING, descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    f = msg.field.add()
    f.name, f.number, f.type, f.label = "age", 2, descriptor_pb2.FieldDescriptorProto.TYPE_INT32, descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return GetMessageClass(pool.FindMessageTypeByName("com.example.User"))


def serde(fmt: str, registry: SchemaRegistryClient):
    """(serializer, deserializer, to_value): to_value turns a record dict into what the serializer takes."""
    if fmt == "avro":
        from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
        return (AvroSerializer(registry, AVRO_SCHEMA, conf={"auto.register.schemas": True}),
                AvroDeserializer(registry), lambda d: d, lambda v: dict(v))
    if fmt == "json":
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
        return (JSONSerializer(JSON_SCHEMA, registry, conf={"auto.register.schemas": True}),
                JSONDeserializer(None, schema_registry_client=registry), lambda d: d, lambda v: dict(v))
    if fmt == "protobuf":
        from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
        cls = protobuf_message_class()
        return (ProtobufSerializer(cls, registry, conf={"use.deprecated.format": False, "auto.register.schemas": True}),
                ProtobufDeserializer(cls, conf={"use.deprecated.format": False}, schema_registry_client=registry),
                lambda d: cls(**d), lambda v: {"name": v.name, "age": v.age})
    raise SystemExit(f"unknown format {fmt}")


def admin(registry: SchemaRegistryClient, subject: str) -> dict:
    """Registers, evolves, checks, configures and deletes through the client; records what each call returned or raised."""
    from confluent_kafka.schema_registry import Schema
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    out: dict = {}

    def error_code(fn):
        try:
            fn()
            return None
        except SchemaRegistryError as e:
            return {"http_status": e.http_status_code, "error_code": e.error_code}

    v1 = Schema(AVRO_SCHEMA, "AVRO")
    out["id1"] = registry.register_schema(subject, v1)
    v2 = Schema(json.dumps({**json.loads(AVRO_SCHEMA), "fields": json.loads(AVRO_SCHEMA)["fields"] + [{"name": "email", "type": ["null", "string"], "default": None}]}), "AVRO")
    bad = Schema(json.dumps({**json.loads(AVRO_SCHEMA), "fields": json.loads(AVRO_SCHEMA)["fields"] + [{"name": "score", "type": "double"}]}), "AVRO")
    out["v2_compatible"] = registry.test_compatibility(subject, v2)
    out["bad_compatible"] = registry.test_compatibility(subject, bad)
    out["id2"] = registry.register_schema(subject, v2)
    out["incompatible"] = error_code(lambda: registry.register_schema(subject, bad))
    out["versions"] = registry.get_versions(subject)
    out["lookup_version"] = registry.lookup_schema(subject, v1).version
    out["latest_version"] = registry.get_latest_version(subject).version
    out["by_id_type"] = registry.get_schema(out["id1"]).schema_type
    out["set_compatibility"] = registry.set_compatibility(subject, "FULL")
    out["compatibility"] = registry.get_compatibility(subject)
    out["subjects_contains"] = subject in registry.get_subjects()
    out["unknown_subject"] = error_code(lambda: registry.get_latest_version(subject + "-missing"))
    out["unknown_version"] = error_code(lambda: registry.get_version(subject, 42))
    out["unknown_id"] = error_code(lambda: registry.get_schema(987654))
    out["invalid_schema"] = error_code(lambda: registry.register_schema(subject + "-bad", Schema('{"type": "record"}', "AVRO")))
    out["deleted_versions"] = registry.delete_subject(subject)
    out["after_delete"] = error_code(lambda: registry.get_versions(subject))
    out["permanent"] = registry.delete_subject(subject, permanent=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap-server", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--format", choices=["avro", "json", "protobuf"], default="avro")
    ap.add_argument("--admin-subject", help="drive SchemaRegistryClient's admin calls and error paths on this subject")
    ap.add_argument("--produce-topic")
    ap.add_argument("--consume-topic")
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--api-key", help="KEY:SECRET for the registry (Basic) and for Kafka (SASL/PLAIN)")
    args = ap.parse_args()

    registry_conf = {"url": args.registry}
    kafka_auth: dict = {}
    if args.api_key:
        key, _, secret = args.api_key.partition(":")
        # This client reads only basic.auth.user.info (USER_INFO is implied; the .source key is the Java serializers').
        registry_conf["basic.auth.user.info"] = args.api_key
        kafka_auth = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN", "sasl.username": key, "sasl.password": secret}
    registry = SchemaRegistryClient(registry_conf)
    if args.admin_subject:
        print(json.dumps(admin(registry, args.admin_subject)))
        return 0
    serializer, deserializer, to_value, from_value = serde(args.format, registry)
    summary: dict = {"format": args.format}

    if args.produce_topic:
        producer = Producer({"bootstrap.servers": args.bootstrap_server, "acks": "all", "enable.idempotence": True, **kafka_auth})
        schema_ids = set()
        for i in range(args.count):
            ctx = SerializationContext(args.produce_topic, MessageField.VALUE)
            payload = serializer(to_value({"name": f"user-{i}", "age": i}), ctx)
            schema_ids.add(int.from_bytes(payload[1:5], "big"))
            producer.produce(args.produce_topic, key=f"k{i}".encode(), value=payload, partition=0)
        left = producer.flush(args.timeout)
        if left:
            print(json.dumps({"error": f"{left} records not delivered"}))
            return 1
        summary["produced"] = args.count
        summary["schema_ids"] = sorted(schema_ids)
        latest = registry.get_latest_version(f"{args.produce_topic}-value")
        summary["registered"] = {"id": latest.schema_id, "version": latest.version, "type": latest.schema.schema_type}

    if args.consume_topic:
        consumer = Consumer({"bootstrap.servers": args.bootstrap_server, "group.id": f"sr-py-{time.time()}", "enable.auto.commit": False, **kafka_auth})
        consumer.assign([TopicPartition(args.consume_topic, 0, OFFSET_BEGINNING)])
        records = []
        deadline = time.time() + args.timeout
        while len(records) < args.count and time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                print(json.dumps({"error": str(msg.error())}))
                return 1
            value = deserializer(msg.value(), SerializationContext(args.consume_topic, MessageField.VALUE))
            records.append(from_value(value))
        consumer.close()
        summary["consumed"] = records

    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # the test prints stderr; one JSON line says what failed
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        raise
