using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AspirePipeline.Contracts;
using AspirePipeline.Hosting.Kafka;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;

namespace AspirePipeline.Tests.Hosting;

/// <summary>The AppHost's Kafka health check against a closed port and against the real broker process.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class KafkaResourceHealthCheckTests
{
    private static readonly TimeSpan ProbeDeadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_broker_that_does_not_answer_is_unhealthy_within_the_client_timeouts_and_named()
    {
        var address = $"127.0.0.1:{ClosedPort()}";
        using var admin = new KafkaAdmin("kafka", ownsTopics: true, NullLogger<KafkaAdmin>.Instance);
        var check = new KafkaResourceHealthCheck(admin, Resource(address));

        var stopwatch = Stopwatch.StartNew();
        var result = await check.CheckHealthAsync(new HealthCheckContext()).WaitAsync(ProbeDeadline);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains(address, result.Description, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"the probe took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Against_the_broker_the_check_creates_the_declared_topics_and_stays_healthy_across_restarts_of_the_AppHost()
    {
        await using var broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            Environment = new Dictionary<string, string> { ["Broker__AutoCreateTopics"] = "false" },
        });
        var kafka = Resource(broker.BootstrapServers);
        kafka.Annotations.Add(new KafkaTopicAnnotation(FrameTopics.Frames, 3, FrameLimits.MaxMessageBytes));
        kafka.Annotations.Add(new KafkaTopicAnnotation(FrameTopics.DeadLetter, 1, null));

        using (var admin = new KafkaAdmin("kafka", ownsTopics: true, NullLogger<KafkaAdmin>.Instance))
        {
            var first = await new KafkaResourceHealthCheck(admin, kafka).CheckHealthAsync(new HealthCheckContext()).WaitAsync(ProbeDeadline);
            Assert.True(first.Status == HealthStatus.Healthy, $"{first.Description} {first.Exception}\n{broker.Output}");
            Assert.Contains($"{FrameTopics.Frames}, {FrameTopics.DeadLetter}", first.Description, StringComparison.Ordinal);
        }

        using var observer = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var topics = observer.GetMetadata(TimeSpan.FromSeconds(10)).Topics.ToDictionary(t => t.Topic);
        Assert.Equal(3, topics[FrameTopics.Frames].Partitions.Count);
        Assert.Single(topics[FrameTopics.DeadLetter].Partitions);

        // A second AppHost run finds the topics from the first one (persisted data): still healthy, nothing recreated.
        using var again = new KafkaAdmin("kafka", ownsTopics: true, NullLogger<KafkaAdmin>.Instance);
        var second = await new KafkaResourceHealthCheck(again, kafka).CheckHealthAsync(new HealthCheckContext()).WaitAsync(ProbeDeadline);
        Assert.True(second.Status == HealthStatus.Healthy, $"{second.Description} {second.Exception}");
        Assert.Equal(3, observer.GetMetadata("frames", TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count);
    }

    private static KafkaExternalResource Resource(string bootstrapServers) => new("kafka", bootstrapServers);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
