using AspirePipeline.KafkaClient;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers Confluent.Kafka clients the way Aspire's client integration does (Aspire.Confluent.Kafka is not
/// available here): singletons configured from <c>Aspire:Confluent:Kafka:Producer|Consumer</c> and
/// <c>ConnectionStrings:{name}</c>, with librdkafka logs, statistics metrics and a health check.
/// </summary>
public static class KafkaClientExtensions
{
    private const string ProducerHealthCheckName = "Aspire.Confluent.Kafka.Producer";
    private const string ConsumerHealthCheckName = "Aspire.Confluent.Kafka.Consumer";
    private const string LoggerCategory = "AspirePipeline.KafkaClient";

    /// <summary>Registers <see cref="IProducer{TKey,TValue}"/> as a singleton for the Kafka connection <paramref name="connectionName"/>.</summary>
    /// <exception cref="InvalidOperationException">No bootstrap servers are configured, or a setting is invalid.</exception>
    public static void AddKafkaProducer<TKey, TValue>(this IHostApplicationBuilder builder, string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null, Action<ProducerBuilder<TKey, TValue>>? configureBuilder = null) =>
        AddProducer(builder, connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>
    /// Registers a keyed <see cref="IProducer{TKey,TValue}"/> (key = <paramref name="name"/>), settings from the
    /// <c>{name}</c> sub-section.
    /// </summary>
    public static void AddKeyedKafkaProducer<TKey, TValue>(this IHostApplicationBuilder builder, string name,
        Action<KafkaProducerSettings>? configureSettings = null, Action<ProducerBuilder<TKey, TValue>>? configureBuilder = null) =>
        AddProducer(builder, name, serviceKey: name, configureSettings, configureBuilder);

    /// <summary>Registers <see cref="IConsumer{TKey,TValue}"/> as a singleton for the Kafka connection <paramref name="connectionName"/>.</summary>
    /// <exception cref="InvalidOperationException">No bootstrap servers or no group id are configured, or a setting is invalid.</exception>
    public static void AddKafkaConsumer<TKey, TValue>(this IHostApplicationBuilder builder, string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null, Action<ConsumerBuilder<TKey, TValue>>? configureBuilder = null) =>
        AddConsumer(builder, connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>
    /// Registers a keyed <see cref="IConsumer{TKey,TValue}"/> (key = <paramref name="name"/>), settings from the
    /// <c>{name}</c> sub-section.
    /// </summary>
    public static void AddKeyedKafkaConsumer<TKey, TValue>(this IHostApplicationBuilder builder, string name,
        Action<KafkaConsumerSettings>? configureSettings = null, Action<ConsumerBuilder<TKey, TValue>>? configureBuilder = null) =>
        AddConsumer(builder, name, serviceKey: name, configureSettings, configureBuilder);

    private static void AddProducer<TKey, TValue>(IHostApplicationBuilder builder, string connectionName, string? serviceKey,
        Action<KafkaProducerSettings>? configureSettings, Action<ProducerBuilder<TKey, TValue>>? configureBuilder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Bound and validated now, so a missing setting stops the service at start with the path to fix.
        var settings = KafkaSettingsBinder.BindProducer(builder.Configuration, connectionName, configureSettings);
        AddCommon(builder, settings);

        var eventsKey = EventsKey<IProducer<TKey, TValue>>(serviceKey);
        builder.Services.AddKeyedSingleton(eventsKey, (services, _) => CreateEvents(services, settings, connectionName, null));
        IProducer<TKey, TValue> Create(IServiceProvider services)
        {
            var events = services.GetRequiredKeyedService<KafkaClientEvents>(eventsKey);
            var producerBuilder = new ProducerBuilder<TKey, TValue>(settings.Config)
                .SetLogHandler((_, message) => events.OnLog(message))
                .SetErrorHandler((client, error) => events.OnError(client.Name, error));
            if (!settings.DisableMetrics)
            {
                producerBuilder.SetStatisticsHandler((_, json) => events.OnStatistics(json));
            }
            configureBuilder?.Invoke(producerBuilder);
            return producerBuilder.Build();
        }

        if (serviceKey is null)
        {
            builder.Services.AddSingleton(Create);
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (services, _) => Create(services));
        }

        if (!settings.DisableHealthChecks)
        {
            AddHealthCheck(builder, serviceKey is null ? ProducerHealthCheckName : $"{ProducerHealthCheckName}_{serviceKey}",
                eventsKey, settings.HealthCheckTimeout,
                services => (serviceKey is null
                    ? services.GetRequiredService<IProducer<TKey, TValue>>()
                    : services.GetRequiredKeyedService<IProducer<TKey, TValue>>(serviceKey)).Handle);
        }
    }

    private static void AddConsumer<TKey, TValue>(IHostApplicationBuilder builder, string connectionName, string? serviceKey,
        Action<KafkaConsumerSettings>? configureSettings, Action<ConsumerBuilder<TKey, TValue>>? configureBuilder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = KafkaSettingsBinder.BindConsumer(builder.Configuration, connectionName, configureSettings);
        AddCommon(builder, settings);

        var eventsKey = EventsKey<IConsumer<TKey, TValue>>(serviceKey);
        builder.Services.AddKeyedSingleton(eventsKey,
            (services, _) => CreateEvents(services, settings, connectionName, settings.Config.GroupId));
        IConsumer<TKey, TValue> Create(IServiceProvider services)
        {
            var events = services.GetRequiredKeyedService<KafkaClientEvents>(eventsKey);
            var consumerBuilder = new ConsumerBuilder<TKey, TValue>(settings.Config)
                .SetLogHandler((_, message) => events.OnLog(message))
                .SetErrorHandler((client, error) => events.OnError(client.Name, error));
            if (!settings.DisableMetrics)
            {
                consumerBuilder.SetStatisticsHandler((_, json) => events.OnStatistics(json));
            }
            configureBuilder?.Invoke(consumerBuilder);
            return consumerBuilder.Build();
        }

        if (serviceKey is null)
        {
            builder.Services.AddSingleton(Create);
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (services, _) => Create(services));
        }

        if (!settings.DisableHealthChecks)
        {
            AddHealthCheck(builder, serviceKey is null ? ConsumerHealthCheckName : $"{ConsumerHealthCheckName}_{serviceKey}",
                eventsKey, settings.HealthCheckTimeout,
                services => (serviceKey is null
                    ? services.GetRequiredService<IConsumer<TKey, TValue>>()
                    : services.GetRequiredKeyedService<IConsumer<TKey, TValue>>(serviceKey)).Handle);
        }
    }

    private static void AddCommon(IHostApplicationBuilder builder, KafkaClientSettings settings)
    {
        builder.Services.TryAddSingleton<KafkaClientMetrics>();
        if (!settings.DisableMetrics)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(KafkaClientMetrics.MeterName));
        }
    }

    private static KafkaClientEvents CreateEvents(IServiceProvider services, KafkaClientSettings settings, string connectionName,
        string? consumerGroup) =>
        new(connectionName, consumerGroup,
            settings.DisableMetrics ? null : services.GetRequiredService<KafkaClientMetrics>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory));

    private static void AddHealthCheck(IHostApplicationBuilder builder, string name, string eventsKey, TimeSpan timeout,
        Func<IServiceProvider, Handle> handle)
    {
        // The registration's factory runs on every probe; the check (and its admin client) is a singleton behind it.
        builder.Services.AddKeyedSingleton(name, (services, _) =>
            new KafkaClientHealthCheck(handle(services), services.GetRequiredKeyedService<KafkaClientEvents>(eventsKey), timeout));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(name,
            services => services.GetRequiredKeyedService<KafkaClientHealthCheck>(name), failureStatus: default, tags: null, timeout: timeout * 2));
    }

    private static string EventsKey<TClient>(string? serviceKey) => $"{typeof(TClient).FullName}/{serviceKey}";
}
