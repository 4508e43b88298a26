using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AspirePipeline.Tests.KafkaClient;

public sealed class KafkaHealthCheckTests
{
    [Fact]
    public async Task Unreachable_broker_reports_unhealthy_within_the_timeout()
    {
        var builder = KafkaSettingsTests.Builder(new()
        {
            ["ConnectionStrings:kafka"] = $"127.0.0.1:{UnusedPort()}",
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

    internal static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
