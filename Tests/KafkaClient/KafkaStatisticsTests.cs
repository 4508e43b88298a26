using AspirePipeline.KafkaClient;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.KafkaClient;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class KafkaStatisticsTests
{
    // Shape of librdkafka's STATISTICS.md document, trimmed to the fields we read plus some we ignore.
    private const string ConsumerStatistics = """
        {"name":"rdkafka#consumer-1","client_id":"rdkafka","type":"consumer","ts":1,"replyq":3,"msg_cnt":0,
         "tx":10,"tx_bytes":1000,"rx":9,"rx_bytes":90000,"txmsgs":0,"txmsg_bytes":0,"rxmsgs":120,"rxmsg_bytes":80000,
         "brokers":{"GroupCoordinator":{"state":"UP"},"localhost:9092/1":{"state":"UP","rtt":{"avg":100}}},
         "topics":{"frames":{"topic":"frames","partitions":{
            "0":{"partition":0,"consumer_lag":5,"consumer_lag_stored":6},
            "1":{"partition":1,"consumer_lag":-1},
            "-1":{"partition":-1,"consumer_lag":-1}}}},
         "cgrp":{"state":"up","rebalance_cnt":1}}
        """;

    [Fact]
    public void Statistics_document_is_read()
    {
        var statistics = KafkaStatistics.Parse(ConsumerStatistics, "consumerGroup_1");

        Assert.Equal("rdkafka#consumer-1", statistics.ClientName);
        Assert.True(statistics.IsConsumer);
        Assert.True(statistics.AnyBrokerUp);
        Assert.Equal(120, statistics.RxMessages);
        Assert.Equal(90000, statistics.RxBytes);
        Assert.Equal(3, statistics.ReplyQueue);
        Assert.Equal([new PartitionLag("frames", 0, 5)], statistics.Lags);
    }

    [Fact]
    public void Where_a_consumers_frames_are_is_read_per_partition_with_its_fetches_and_round_trip()
    {
        var statistics = KafkaStatistics.Parse("""
            {"name":"rdkafka#consumer-2","type":"consumer",
             "brokers":{"GroupCoordinator":{"nodeid":-1,"state":"UP","req":{"Fetch":0},"rtt":{"avg":0}},
                        "127.0.0.1:9092/bootstrap":{"nodeid":-1,"state":"INIT","req":{"Fetch":3},"rtt":{"avg":900000}},
                        "127.0.0.1:9092/1":{"nodeid":1,"state":"UP","req":{"Fetch":412,"Produce":0},"rtt":{"avg":2500,"p99":9000}}},
             "topics":{"frames":{"partitions":{
                "0":{"partition":0,"consumer_lag":900,"hi_offset":5000,"next_offset":4600,"app_offset":4100,"fetchq_cnt":500,"fetchq_size":21000000},
                "-1":{"partition":-1,"consumer_lag":-1,"hi_offset":-1,"next_offset":-1,"app_offset":-1}}}}}
            """, "consumerGroup_1");

        // 400 frames not fetched yet (5000 - 4600), 500 fetched and queued for the application (4600 - 4100).
        Assert.Equal([new PartitionFetchState("frames", 0, 5000, 4600, 4100, 500, 21_000_000)], statistics.Partitions);
        Assert.Equal(412, statistics.FetchRequests);
        Assert.Equal(2500, statistics.RttAverageMicros);
    }

    [Fact]
    public void Broker_never_up_is_reported_as_not_connected()
    {
        var statistics = KafkaStatistics.Parse(
            """{"name":"p","type":"producer","brokers":{"127.0.0.1:1/bootstrap":{"state":"CONNECT"}},"topics":{}}""", null);

        Assert.False(statistics.AnyBrokerUp);
        Assert.Empty(statistics.Lags);
    }

    [Fact]
    public void Connection_failures_are_debug_until_connected_then_warnings()
    {
        using var sink = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(sink).SetMinimumLevel(LogLevel.Trace));
        var events = new KafkaClientEvents("kafka", null, null, factory.CreateLogger("test"));
        var refused = new LogMessage("rdkafka#producer-1", SyslogLevel.Error, "FAIL",
            "localhost:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT)");

        events.OnLog(refused);
        events.OnError("rdkafka#producer-1", new Error(ErrorCode.Local_AllBrokersDown, "1/1 brokers are down"));
        events.MarkConnected();
        events.OnLog(refused);
        events.OnError("rdkafka#producer-1", new Error(ErrorCode.Local_MsgTimedOut, "Message timed out"));

        Assert.Equal([LogLevel.Debug, LogLevel.Debug, LogLevel.Warning, LogLevel.Error], sink.Entries.Select(entry => entry.Level));
    }

    [Fact]
    public void Syslog_levels_map_to_logging_levels()
    {
        Assert.Equal(LogLevel.Critical, KafkaClientEvents.Map(SyslogLevel.Alert));
        Assert.Equal(LogLevel.Error, KafkaClientEvents.Map(SyslogLevel.Error));
        Assert.Equal(LogLevel.Warning, KafkaClientEvents.Map(SyslogLevel.Warning));
        Assert.Equal(LogLevel.Information, KafkaClientEvents.Map(SyslogLevel.Notice));
        Assert.Equal(LogLevel.Debug, KafkaClientEvents.Map(SyslogLevel.Debug));
    }
}
