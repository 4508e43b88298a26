#!/usr/bin/env python3
"""Drives kafka-python (Debian's python3-kafka) against a broker for the .NET tests.

Every run prints one JSON document on stdout; the test asserts on it. Message i of a run with prefix P has
key "P-key-i", value "P-value-i" and headers index=i, origin=<client>.
  produce      --bootstrap H:P --topic T --count N --prefix P      -> {"acked": [{"partition", "offset"}]}
  consume      --bootstrap H:P --topic T --group G --count N       -> {"messages": [...]} after committing them
  create-topic --bootstrap H:P --topic T --partitions N            -> {"created": T, "partitions": N}
"""
import argparse
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

import client_cli


def produce(args):
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", request_timeout_ms=15000)
    futures = [
        producer.send(
            args.topic,
            key=f"{args.prefix}-key-{i}".encode(),
            value=f"{args.prefix}-value-{i}".encode(),
            headers=[("index", str(i).encode()), ("origin", b"kafka-python")],
        )
        for i in range(args.count)
    ]
    producer.flush(timeout=30)
    acked = [{"partition": m.partition, "offset": m.offset} for m in (f.get(timeout=30) for f in futures)]
    producer.close(timeout=10)
    return {"acked": acked}


def consume(args):
    consumer = KafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    messages = []
    deadline = time.monotonic() + args.timeout
    while len(messages) < args.count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"received {len(messages)} of {args.count} messages within {args.timeout} s")
        for records in consumer.poll(timeout_ms=500).values():
            messages.extend(
                {
                    "partition": r.partition,
                    "offset": r.offset,
                    "key": r.key.decode() if r.key is not None else None,
                    "value": r.value.decode(),
                    "headers": {k: v.decode() for k, v in r.headers},
                }
                for r in records
            )
    consumer.commit()
    consumer.close(autocommit=False)
    return {"messages": messages}


def create_topic(args):
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, request_timeout_ms=15000)
    admin.create_topics([NewTopic(name=args.topic, num_partitions=args.partitions, replication_factor=1)], timeout_ms=15000)
    admin.close()
    return {"created": args.topic, "partitions": args.partitions}


def main():
    client_cli.run(__doc__, produce, consume, create_topic, formatter_class=argparse.RawDescriptionHelpFormatter)


if __name__ == "__main__":
    main()
