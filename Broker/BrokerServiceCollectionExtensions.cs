using System.Diagnostics.Metrics;
using AspirePipeline.Broker.Apis;
using AspirePipeline.Broker.Groups;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Server;
using AspirePipeline.Broker.Storage;
using AspirePipeline.Broker.Telemetry;
using AspirePipeline.Broker.Topics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Broker;

internal static class BrokerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the broker (storage, topics, every API handler including the group coordinator's, the TCP server,
    /// <see cref="KafkaBroker"/>).
    /// <see cref="BrokerOptions"/> must be registered by the caller (bound from configuration or given in code).
    /// More <see cref="IApiHandler"/> registrations (e.g. the group coordinator's) are picked up by ApiVersions and the
    /// server automatically.
    /// </summary>
    public static IServiceCollection AddKafkaBroker(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<BrokerIdentity>();
        services.TryAddSingleton<IBrokerIdentity>(static sp => sp.GetRequiredService<BrokerIdentity>());
        services.TryAddSingleton<ILogStore>(static sp => LogStores.Create(
            sp.GetRequiredService<IOptions<BrokerOptions>>().Value,
            sp.GetService<IOptions<FileLogStoreOptions>>()?.Value,
            sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton<IOffsetStore>(static sp => sp.GetRequiredService<ILogStore>().Offsets);
        services.TryAddSingleton<TopicRegistry>();
        services.TryAddSingleton(static sp =>
        {
            var metrics = new BrokerMetrics(sp.GetRequiredService<IMeterFactory>());
            TopicGauges.Register(metrics, sp.GetRequiredService<TopicRegistry>());
            return metrics;
        });
        services.TryAddSingleton<StorageHealth>();
        services.TryAddEnumerable(
        [
            ServiceDescriptor.Singleton<IApiHandler, ProduceHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, FetchHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, ListOffsetsHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, MetadataHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, CreateTopicsHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, DeleteTopicsHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, InitProducerIdHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, OffsetForLeaderEpochHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, DescribeConfigsHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, AlterConfigsHandler>(),
            ServiceDescriptor.Singleton<IApiHandler, IncrementalAlterConfigsHandler>(),
        ]);
        services.AddGroupCoordinator();
        services.TryAddSingleton<ApiRegistry>();
        services.TryAddSingleton<KafkaServer>();
        services.TryAddSingleton<RetentionRunner>();
        services.TryAddSingleton<KafkaBroker>();
        return services;
    }
}
