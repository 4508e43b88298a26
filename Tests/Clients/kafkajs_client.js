#!/usr/bin/env node
// Drives KafkaJS 2.2.4 (npm, installed into Tests/node by scripts/prerequisites.sh --tests) against a broker for the
// .NET tests. Same modes, arguments and JSON output as kafka_python_client.py (origin header "kafkajs").
'use strict';
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Kafka, logLevel } = require(process.env.KAFKAJS_MODULE || path.join(__dirname, '..', 'node', 'node_modules', 'kafkajs'));

const { positionals: [mode], values: args } = parseArgs({
  allowPositionals: true,
  options: {
    bootstrap: { type: 'string' },
    topic: { type: 'string' },
    count: { type: 'string', default: '0' },
    prefix: { type: 'string', default: 'm' },
    group: { type: 'string' },
    partitions: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '30' },
  },
});
const count = Number(args.count);
const timeoutMs = Number(args.timeout) * 1000;
const kafka = new Kafka({
  clientId: 'aspirepipeline-tests-kafkajs',
  brokers: [args.bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 5 },
});

async function produce() {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `${args.prefix}-key-${i}`,
    value: `${args.prefix}-value-${i}`,
    headers: { index: String(i), origin: 'kafkajs' },
  }));
  const results = await producer.send({ topic: args.topic, acks: -1, messages });
  await producer.disconnect();
  // KafkaJS acknowledges per partition (base offset of that partition's batch), not per message.
  return { acked: results.map((r) => ({ partition: r.partition, offset: Number(r.baseOffset), errorCode: r.errorCode })) };
}

async function consume() {
  const consumer = kafka.consumer({ groupId: args.group, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic: args.topic, fromBeginning: true });
  const messages = [];
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      if (messages.length >= count) return;
      messages.push({
        partition,
        offset: Number(message.offset),
        key: message.key === null ? null : message.key.toString(),
        value: message.value.toString(),
        headers: Object.fromEntries(Object.entries(message.headers || {}).map(([k, v]) => [k, v.toString()])),
      });
      await consumer.commitOffsets([{ topic: args.topic, partition, offset: String(Number(message.offset) + 1) }]);
      if (messages.length === count) done();
    },
  });
  let timer;
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`received ${messages.length} of ${count} messages within ${args.timeout} s`)), timeoutMs);
  });
  try {
    if (count > 0) await Promise.race([finished, timedOut]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return { messages };
}

async function createTopic() {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic: args.topic, numPartitions: Number(args.partitions), replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  if (!created) throw new Error(`topic ${args.topic} already existed`);
  return { created: args.topic, partitions: Number(args.partitions) };
}

const modes = { produce, consume, 'create-topic': createTopic };
if (!modes[mode]) {
  console.error(`unknown mode '${mode}': use produce, consume or create-topic`);
  process.exit(2);
}
modes[mode]().then(
  (result) => { process.stdout.write(`${JSON.stringify(result)}\n`); process.exit(0); },
  (error) => { console.error(error && error.stack ? error.stack : error); process.exit(1); },
);
