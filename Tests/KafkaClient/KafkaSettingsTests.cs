using AspirePipeline.KafkaClient;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.KafkaClient;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class KafkaSettingsTests
{
    [Fact]
    public void Sections_connection_string_and_delegate_apply_in_order()
    {
        var builder = Builder(new()
        {
            ["Aspire:Confluent:Kafka:Producer:Config:BootstrapServers"] = "general:1",
            ["Aspire:Confluent:Kafka:Producer:Config:Acks"] = "Leader",
            ["Aspire:Confluent:Kafka:Producer:Config:LingerMs"] = "7",
            ["Aspire:Confluent:Kafka:Producer:kafka:Config:Acks"] = "All",
            ["Aspire:Confluent:Kafka:Producer:kafka:Config:message.max.bytes"] = "10485760",
            ["ConnectionStrings:kafka"] = "fromconnectionstring:9092",
        });
        KafkaProducerSettings? seen = null;
        var bootstrapSeenByDelegate = "";

        builder.AddKafkaProducer<string, byte[]>("kafka", settings =>
        {
            bootstrapSeenByDelegate = settings.Config.BootstrapServers;
            settings.Config.LingerMs = 3;
            seen = settings;
        });

        Assert.NotNull(seen);
        Assert.Equal("fromconnectionstring:9092", bootstrapSeenByDelegate);
        Assert.Equal("fromconnectionstring:9092", seen.Config.BootstrapServers);
        Assert.Equal(Acks.All, seen.Config.Acks);
        Assert.Equal(3, seen.Config.LingerMs);
        Assert.Equal("10485760", seen.Config.Get("message.max.bytes"));
        Assert.Equal(1000, seen.Config.StatisticsIntervalMs);
    }

    [Fact]
    public void Bootstrap_servers_from_config_alone_are_enough()
    {
        KafkaProducerSettings? seen = null;
        Builder(new() { ["Aspire:Confluent:Kafka:Producer:Config:BootstrapServers"] = "only:1" })
            .AddKafkaProducer<string, byte[]>("kafka", settings => seen = settings);

        Assert.Equal("only:1", seen!.Config.BootstrapServers);
    }

    [Fact]
    public void Security_settings_pass_through_config()
    {
        KafkaConsumerSettings? seen = null;
        Builder(new()
        {
            ["ConnectionStrings:kafka"] = "secure:9093",
            ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = "g",
            ["Aspire:Confluent:Kafka:Consumer:Config:SecurityProtocol"] = "SaslSsl",
            ["Aspire:Confluent:Kafka:Consumer:Config:SaslMechanism"] = "ScramSha512",
            ["Aspire:Confluent:Kafka:Consumer:Config:SaslUsername"] = "user",
            ["Aspire:Confluent:Kafka:Consumer:Config:ssl.ca.location"] = "/etc/ssl/ca.pem",
        }).AddKafkaConsumer<string, byte[]>("kafka", settings => seen = settings);

        Assert.Equal(SecurityProtocol.SaslSsl, seen!.Config.SecurityProtocol);
        Assert.Equal(SaslMechanism.ScramSha512, seen.Config.SaslMechanism);
        Assert.Equal("user", seen.Config.SaslUsername);
        Assert.Equal("/etc/ssl/ca.pem", seen.Config.SslCaLocation);
    }

    [Fact]
    public void Metrics_off_leaves_statistics_off()
    {
        KafkaProducerSettings? seen = null;
        Builder(new()
        {
            ["ConnectionStrings:kafka"] = "x:1",
            ["Aspire:Confluent:Kafka:Producer:DisableMetrics"] = "true",
        }).AddKafkaProducer<string, byte[]>("kafka", settings => seen = settings);

        Assert.True(seen!.DisableMetrics);
        Assert.Null(seen.Config.StatisticsIntervalMs);
    }

    [Fact]
    public void Missing_bootstrap_servers_names_both_places_to_set_them()
    {
        var exception = Assert.Throws<InvalidOperationException>(() =>
            Builder(new()).AddKafkaProducer<string, byte[]>("kafka"));

        Assert.Equal("No bootstrap servers configured for Kafka connection 'kafka': set ConnectionStrings:kafka or "
            + "Aspire:Confluent:Kafka:Producer:Config:BootstrapServers", exception.Message);
    }

    [Fact]
    public void Missing_group_id_is_named()
    {
        var exception = Assert.Throws<InvalidOperationException>(() =>
            Builder(new() { ["ConnectionStrings:kafka"] = "x:1" }).AddKafkaConsumer<string, byte[]>("kafka"));

        Assert.StartsWith("No group id configured for Kafka connection 'kafka': set Aspire:Confluent:Kafka:Consumer:Config:GroupId",
            exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_enum_value_names_the_path_and_the_allowed_values()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => Builder(new()
        {
            ["ConnectionStrings:kafka"] = "x:1",
            ["Aspire:Confluent:Kafka:Producer:Config:Acks"] = "Sometimes",
        }).AddKafkaProducer<string, byte[]>("kafka"));

        Assert.Contains("Aspire:Confluent:Kafka:Producer:Config:Acks is 'Sometimes'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Leader", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_typed_setting_is_rejected()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => Builder(new()
        {
            ["ConnectionStrings:kafka"] = "x:1",
            ["Aspire:Confluent:Kafka:Producer:Config:BootstrapServer"] = "typo:1",
        }).AddKafkaProducer<string, byte[]>("kafka"));

        Assert.Contains("Aspire:Confluent:Kafka:Producer:Config:BootstrapServer is not a Confluent.Kafka ProducerConfig property",
            exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keyed_producer_reads_its_own_sub_section()
    {
        var builder = Builder(new()
        {
            ["ConnectionStrings:kafka"] = "a:1",
            ["ConnectionStrings:other"] = "b:2",
            ["Aspire:Confluent:Kafka:Producer:other:Config:ClientId"] = "other-client",
        });
        builder.AddKafkaProducer<string, byte[]>("kafka");
        KafkaProducerSettings? seen = null;

        builder.AddKeyedKafkaProducer<string, byte[]>("other", settings => seen = settings);
        using var host = builder.Build();

        Assert.Equal("b:2", seen!.Config.BootstrapServers);
        Assert.Equal("other-client", seen.Config.ClientId);
        Assert.NotSame(host.Services.GetRequiredService<IProducer<string, byte[]>>(),
            host.Services.GetRequiredKeyedService<IProducer<string, byte[]>>("other"));
    }

    internal static HostApplicationBuilder Builder(Dictionary<string, string?> values)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(values);
        return builder;
    }
}
