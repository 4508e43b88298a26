using System.Diagnostics;
using System.Diagnostics.Metrics;
using AspirePipeline.Broker;
using AspirePipeline.Broker.Storage;
using AspirePipeline.Broker.Telemetry;
using AspirePipeline.Broker.Topics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker;

/// <summary>Topic config validation, per-partition segment rolling, config persistence and the storage state, in process.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class TopicConfigUnitTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CapturingLoggerProvider _loggers = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("retention.ms", "-1", true)]
    [InlineData("retention.ms", "3600000", true)]
    [InlineData("retention.ms", "-2", false)]
    [InlineData("retention.ms", "1h", false)]
    [InlineData("retention.bytes", "1073741824", true)]
    [InlineData("segment.bytes", "1024", true)]
    [InlineData("segment.bytes", "1023", false)]
    [InlineData("segment.bytes", "9999999999", false)]
    [InlineData("segment.ms", "0", false)]
    [InlineData("max.message.bytes", "8388608", true)]
    [InlineData("cleanup.policy", "delete", true)]
    [InlineData("cleanup.policy", "compact", false)]
    [InlineData("min.insync.replicas", "2", false)]
    [InlineData("retention.hours", "1", false)]
    public void Values_are_validated_with_a_message_naming_the_key(string key, string value, bool valid)
    {
        var error = TopicConfig.Validate(key, value);
        Assert.Equal(valid, error is null);
        if (!valid)
        {
            Assert.Contains(key, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Effective_values_fall_back_to_the_broker_and_minus_one_means_unlimited()
    {
        var defaults = new TopicDefaults(BrokerRetentionMs: 60_000, BrokerRetentionBytes: null, SegmentBytes: 4096, MaxMessageBytes: 1000);
        Assert.True(TopicConfig.TryCreate(
            new Dictionary<string, string?> { ["retention.bytes"] = "5000", ["segment.ms"] = null }, out var config, out var error), error);

        Assert.Equal(60_000, defaults.RetentionMs(config));
        Assert.Equal(5000, defaults.RetentionBytes(config));
        Assert.Equal(-1, defaults.RetentionBytes(TopicConfig.Empty));
        Assert.Equal(4096, defaults.SegmentBytesOf(config));
        Assert.Equal(TopicConfig.DefaultSegmentMs, defaults.SegmentMs(config));
        Assert.False(config.Overrides.ContainsKey("segment.ms"));
    }

    [Fact]
    public void A_partition_rolls_at_its_own_segment_bytes()
    {
        using var store = OpenStore();
        var log = (FilePartitionLog)store.OpenPartition("frames", 0);
        log.SetRollLimits(segmentBytes: 4096, segmentMs: long.MaxValue);
        for (var i = 0; i < 20; i++)
        {
            TestBatches.Append(log, TestBatches.Create(i, valueBytes: 1000));
        }

        Assert.True(log.SegmentCount >= 5, $"{log.SegmentCount} segments for 20 KB at 4 KB each");
    }

    [Fact]
    public void A_partition_rolls_once_its_active_segment_is_segment_ms_old()
    {
        using var store = OpenStore();
        var log = (FilePartitionLog)store.OpenPartition("frames", 0);
        log.SetRollLimits(segmentBytes: 1 << 30, segmentMs: 1);
        var clock = Stopwatch.StartNew();
        var appended = 0;
        while (log.SegmentCount < 3 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            TestBatches.Append(log, TestBatches.Create(appended++));
        }

        Assert.True(log.SegmentCount >= 3, $"{log.SegmentCount} segments after {appended} appends over {clock.Elapsed}");
    }

    [Fact]
    public void Topic_configs_are_kept_by_the_store_and_removed_with_the_topic()
    {
        using (var store = OpenStore())
        {
            store.OpenPartition("frames", 0);
            store.WriteTopicConfig("frames", new Dictionary<string, string> { ["retention.ms"] = "60000", ["segment.bytes"] = "4096" });
            store.WriteTopicConfig("frames", new Dictionary<string, string> { ["retention.ms"] = "120000" });
        }

        using (var reopened = OpenStore())
        {
            Assert.Equal(new Dictionary<string, string> { ["retention.ms"] = "120000" }, reopened.ReadTopicConfig("frames"));
            reopened.DeleteTopic("frames");
            Assert.Empty(reopened.ReadTopicConfig("frames"));
        }
    }

    [Fact]
    public void A_storage_failure_is_logged_once_and_its_end_once()
    {
        using var store = OpenStore();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var topics = new TopicRegistry(store, Options.Create(new BrokerOptions { DataDir = _dir.Path }), NullLogger<TopicRegistry>.Instance);
        var metrics = new BrokerMetrics(services.GetRequiredService<IMeterFactory>());
        TopicGauges.Register(metrics, topics);
        var health = new StorageHealth(store, metrics, _loggers.CreateLogger<StorageHealth>());
        Assert.True(health.IsHealthy);

        for (var i = 0; i < 5; i++)
        {
            health.WriteFailed("appending to frames-0", new IOException("No space left on device"));
        }

        Assert.False(health.IsHealthy);
        Assert.Contains(_dir.Path, health.Problem, StringComparison.Ordinal);
        var errors = _loggers.Entries.Where(e => e.Level == LogLevel.Error).ToList();
        Assert.Single(errors);
        Assert.Contains(_dir.Path, errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("bytes free", errors[0].Message, StringComparison.Ordinal);

        // The temp directory's file system has room, so the next successful write ends the failure.
        Assert.True(health.FreeBytes() > StorageHealth.RecoveredFreeBytes, $"{health.FreeBytes()} bytes free in {_dir.Path}");
        health.WriteSucceeded();
        health.WriteSucceeded();
        Assert.True(health.IsHealthy);
        Assert.Single(_loggers.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Storage recovered", StringComparison.Ordinal));
    }

    private FileLogStore OpenStore() => new(new FileLogStoreOptions { DataDirectory = _dir.Path }, _loggers);
}
