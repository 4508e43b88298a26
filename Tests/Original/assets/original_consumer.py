#!/usr/bin/env python3
"""Reads frames exactly as the original design's Python consumer (pyconsumerrtsp) does, for the .NET tests.

Its kafkapc_python.Consumer (kafka-python: auto_offset_reset='earliest', enable_auto_commit=True, a JSON value
deserializer), its message.handler (base64 'pix', bytes [0::4], [1::4], [2::4] as R, G, B reshaped to (rows, cols))
and its dataprocessing model (img.mean()), without the OpenCV window. Needs Debian's python3-kafka and python3-numpy.

  original_consumer.py --bootstrap H:P --topic T --group G --count N [--timeout S]
    -> one JSON document: {"frames": [{"partition", "offset", "rows", "cols", "mean"} or {..., "error"}]}
"""
import argparse
import base64
import json
import sys
import time

import numpy as np
from kafka import KafkaConsumer


class Consumer(KafkaConsumer):
    """kafkapc_python.Consumer of the original design."""

    def __init__(self, topicName, kafkaPort, consumerGroup):
        KafkaConsumer.__init__(
            self,
            topicName,
            bootstrap_servers=kafkaPort,
            auto_offset_reset='earliest',
            enable_auto_commit=True,
            group_id=consumerGroup,
            value_deserializer=lambda x: json.loads(x.decode('utf-8')),
        )


def handler(val):
    """message.handler of the original design: the frame as a (rows, cols, 3) RGB array."""
    base64string = val['pix']
    byteArray = base64.b64decode(base64string)
    npArray = np.frombuffer(byteArray, np.uint8)
    rows = val['rows']
    cols = val['cols']
    imgR = npArray[0::4].reshape((rows, cols))
    imgG = npArray[1::4].reshape((rows, cols))
    imgB = npArray[2::4].reshape((rows, cols))
    img = np.stack((imgR, imgG, imgB))
    img = np.moveaxis(img, 0, -1)
    return img


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()

    # The original iterates `for m in consumer`; polling instead lets the run end after --count frames or the deadline.
    consumer = Consumer(args.topic, args.bootstrap.split(","), args.group)
    frames = []
    deadline = time.monotonic() + args.timeout
    while len(frames) < args.count:
        if time.monotonic() > deadline:
            consumer.close()
            print(f"received {len(frames)} of {args.count} frames within {args.timeout} s", file=sys.stderr)
            return 1
        for records in consumer.poll(timeout_ms=500).values():
            for m in records:
                frame = {"partition": m.partition, "offset": m.offset}
                try:
                    img = handler(m.value)
                    frame.update(rows=int(img.shape[0]), cols=int(img.shape[1]), mean=float(img.mean()))
                except Exception as error:  # every undecodable frame is reported, not just the first
                    frame["error"] = f"{type(error).__name__}: {error}"
                frames.append(frame)
    consumer.close()
    print(json.dumps({"frames": frames}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
