using System.Diagnostics;
using System.Diagnostics.Metrics;
using AspirePipeline.KafkaClient;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AspirePipeline.Tests.KafkaClient;

/// <summary>The client integration against the real broker process over TCP.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class KafkaClientBrokerTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private BrokerProcess _broker = null!;

    public async Task InitializeAsync() => _broker = await BrokerProcess.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Registered_clients_round_trip_with_trace_context_and_report_health_statistics_and_lag()
    {
        var topic = $"client-{Guid.NewGuid():N}";
        var builder = KafkaSettingsTests.Builder(new()
        {
            ["ConnectionStrings:kafka"] = _broker.BootstrapServers,
            ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = $"group-{Guid.NewGuid():N}",
            ["Aspire:Confluent:Kafka:Consumer:Config:AutoOffsetReset"] = "Earliest",
            ["Aspire:Confluent:Kafka:Consumer:Config:FetchWaitMaxMs"] = "100",
            ["Aspire:Confluent:Kafka:Producer:Config:LingerMs"] = "1",
        });
        builder.Services.AddHealthChecks();
        builder.Services.AddMetrics();
        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddKafkaConsumer<string, string>("kafka");
        using var host = builder.Build();
        var producer = host.Services.GetRequiredService<IProducer<string, string>>();
        var consumer = host.Services.GetRequiredService<IConsumer<string, string>>();
        var metrics = host.Services.GetRequiredService<KafkaClientMetrics>();
        using var lagListener = new MeterListener();
        var lagSeen = 0L;
        lagListener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KafkaClientMetrics.MeterName && instrument.Name == "messaging.kafka.consumer.lag")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        lagListener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Exchange(ref lagSeen, Math.Max(lagSeen, value + 1)));
        lagListener.Start();

        // Ten messages first, then the consumer reads only one: the lag of the nine left must show in the statistics.
        var sent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        for (var index = 0; index < 10; index++)
        {
            var headers = new Headers();
            KafkaTraceContext.Inject(headers, sent);
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = $"m{index}", Headers = headers })
                .WaitAsync(Deadline);
        }
        consumer.Subscribe(topic);
        ConsumeResult<string, string>? received = null;
        var until = DateTime.UtcNow + Deadline;
        while (received is null && DateTime.UtcNow < until)
        {
            received = consumer.Consume(TimeSpan.FromMilliseconds(200));
        }

        Assert.NotNull(received);
        Assert.Equal("m0", received.Message.Value);
        Assert.Equal(sent.TraceId, KafkaTraceContext.Extract(received.Message.Headers).TraceId);
        Assert.Equal(sent.SpanId, KafkaTraceContext.Extract(received.Message.Headers).SpanId);

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(Deadline);
        Assert.Equal(HealthStatus.Healthy, health.Entries["Aspire.Confluent.Kafka.Producer"].Status);
        Assert.Equal(HealthStatus.Healthy, health.Entries["Aspire.Confluent.Kafka.Consumer"].Status);

        await Poll.UntilAsync(() => metrics.Latest(producer.Name) is { TxMessages: >= 10, AnyBrokerUp: true }, Deadline, () => "producer statistics");
        // librdkafka's lag counts from the committed offset; pause so polling serves statistics without consuming.
        consumer.Commit(received);
        consumer.Pause(consumer.Assignment);
        await Poll.UntilAsync(() =>
        {
            Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(1)));
            lagListener.RecordObservableInstruments();
            return metrics.Latest(consumer.Name)?.Lags is [{ Lag: 9 }] && Interlocked.Read(ref lagSeen) == 10;
        }, Deadline, () => "consumer lag");
        consumer.Close();
    }
}
