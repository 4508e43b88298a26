using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.KafkaClient;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class KafkaClientHealthCheckTests
{
    [Fact]
    public async Task Unreachable_broker_reports_unhealthy_within_the_timeout()
    {
        var builder = KafkaSettingsTests.Builder(new()
        {
            ["ConnectionStrings:kafka"] = $"127.0.0.1:{Ports.Unused()}",
            ["Aspire:Confluent:Kafka:Producer:HealthCheckTimeout"] = "00:00:01",
        });
        builder.Services.AddHealthChecks();
        builder.AddKafkaProducer<string, byte[]>("kafka");
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var report = await health.CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var again = await health.CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var entry = Assert.Single(report.Entries);
        Assert.Equal("Aspire.Confluent.Kafka.Producer", entry.Key);
        Assert.Equal(HealthStatus.Unhealthy, entry.Value.Status);
        Assert.Contains("did not answer a metadata request within 1 s", entry.Value.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, again.Status);
    }

    [Fact]
    public async Task Clients_are_disposed_safely_while_librdkafka_is_logging_connection_failures()
    {
        // Regression: a log handler touching the client while librdkafka destroyed it segfaulted the process.
        for (var round = 0; round < 8; round++)
        {
            var logs = new CapturingLoggerProvider();
            var builder = KafkaSettingsTests.Builder(new()
            {
                ["ConnectionStrings:kafka"] = $"127.0.0.1:{Ports.Unused()}",
                ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = "g",
                ["Aspire:Confluent:Kafka:Producer:Config:ReconnectBackoffMs"] = "10",
            });
            builder.Logging.AddProvider(logs).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug);
            builder.AddKafkaProducer<string, byte[]>("kafka");
            builder.AddKafkaConsumer<string, byte[]>("kafka");
            using (var host = builder.Build())
            {
                host.Services.GetRequiredService<Confluent.Kafka.IProducer<string, byte[]>>();
                host.Services.GetRequiredService<Confluent.Kafka.IConsumer<string, byte[]>>().Subscribe("t");
                await Poll.UntilAsync(() => logs.Entries.Any(entry => entry.Message.Contains("Connection refused", StringComparison.Ordinal)),
                    TimeSpan.FromSeconds(10), () => "librdkafka logged no connection failure", interval: TimeSpan.FromMilliseconds(20));
                // Never connected: the refusals are start-up noise, not warnings.
                Assert.DoesNotContain(logs.Entries, entry => entry.Level > Microsoft.Extensions.Logging.LogLevel.Debug
                    && entry.Message.Contains("Connection refused", StringComparison.Ordinal));
            }
        }
    }
}
