"""The command line every Python client of the tests shares (the tests call each the same way):

    CLIENT.py produce|consume|create-topic --bootstrap HOST:PORT --topic T [--count N] [--prefix m] [--group G]
              [--partitions 1] [--timeout 30]

and one JSON object on stdout, the mode's result."""
import argparse
import json
import sys


def run(description, produce, consume, create_topic, formatter_class=argparse.HelpFormatter):
    parser = argparse.ArgumentParser(description=description, formatter_class=formatter_class)
    parser.add_argument("mode", choices=["produce", "consume", "create-topic"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--prefix", default="m")
    parser.add_argument("--group")
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    result = {"produce": produce, "consume": consume, "create-topic": create_topic}[args.mode](args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
