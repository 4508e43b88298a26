#!/usr/bin/env python3
"""Drives confluent-kafka-python (Debian's python3-confluent-kafka, librdkafka) against a broker for the .NET tests.

Same modes, arguments and JSON output as kafka_python_client.py (origin header "confluent-python").
"""
import time

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

import client_cli


def produce(args):
    producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "enable.idempotence": True})
    acked, errors = [], []

    def delivered(index):
        def report(error, message):
            if error is not None:
                errors.append(str(error))
            else:
                acked.append({"partition": message.partition(), "offset": message.offset(), "index": index})
        return report

    for i in range(args.count):
        producer.produce(
            args.topic,
            key=f"{args.prefix}-key-{i}".encode(),
            value=f"{args.prefix}-value-{i}".encode(),
            headers=[("index", str(i).encode()), ("origin", b"confluent-python")],
            on_delivery=delivered(i),
        )
        producer.poll(0)
    remaining = producer.flush(30)
    if errors or remaining:
        raise RuntimeError(f"delivery failed: {errors}, {remaining} messages undelivered")
    acked.sort(key=lambda a: a.pop("index"))
    return {"acked": acked}


def consume(args):
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([args.topic])
    messages = []
    deadline = time.monotonic() + args.timeout
    while len(messages) < args.count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"received {len(messages)} of {args.count} messages within {args.timeout} s")
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            raise KafkaException(message.error())
        messages.append({
            "partition": message.partition(),
            "offset": message.offset(),
            "key": message.key().decode() if message.key() is not None else None,
            "value": message.value().decode(),
            "headers": {k: v.decode() for k, v in (message.headers() or [])},
        })
    consumer.commit(asynchronous=False)
    consumer.close()
    return {"messages": messages}


def create_topic(args):
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    futures = admin.create_topics([NewTopic(args.topic, num_partitions=args.partitions, replication_factor=1)], request_timeout=15)
    futures[args.topic].result(timeout=30)
    return {"created": args.topic, "partitions": args.partitions}


def main():
    client_cli.run(__doc__, produce, consume, create_topic)


if __name__ == "__main__":
    main()
