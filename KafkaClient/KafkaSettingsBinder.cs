using Microsoft.Extensions.Configuration;

namespace AspirePipeline.KafkaClient;

/// <summary>Binds client settings in Aspire's order and fails with errors that name the configuration path.</summary>
internal static class KafkaSettingsBinder
{
    private const string ConfigSection = "Config";

    public static KafkaProducerSettings BindProducer(IConfiguration configuration, string connectionName,
        Action<KafkaProducerSettings>? configure)
    {
        var settings = Bind(new KafkaProducerSettings(), configuration, KafkaProducerSettings.SectionName, connectionName, configure);
        RequireBootstrapServers(settings, KafkaProducerSettings.SectionName, connectionName);
        return settings;
    }

    public static KafkaConsumerSettings BindConsumer(IConfiguration configuration, string connectionName,
        Action<KafkaConsumerSettings>? configure)
    {
        var settings = Bind(new KafkaConsumerSettings(), configuration, KafkaConsumerSettings.SectionName, connectionName, configure);
        RequireBootstrapServers(settings, KafkaConsumerSettings.SectionName, connectionName);
        if (string.IsNullOrWhiteSpace(settings.Config.GroupId))
        {
            throw new InvalidOperationException(
                $"No group id configured for Kafka connection '{connectionName}': set {KafkaConsumerSettings.SectionName}:"
                + $"{ConfigSection}:GroupId (or {KafkaConsumerSettings.SectionName}:{connectionName}:{ConfigSection}:GroupId), "
                + "or set Config.GroupId in configureSettings.");
        }
        return settings;
    }

    private static TSettings Bind<TSettings>(TSettings settings, IConfiguration configuration, string sectionName,
        string connectionName, Action<TSettings>? configure)
        where TSettings : KafkaClientSettings
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var section = configuration.GetSection(sectionName);
        BindSection(section, settings);
        BindSection(section.GetSection(connectionName), settings);

        if (configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString)
        {
            settings.ConnectionString = connectionString;
        }
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            settings.ClientConfig.BootstrapServers = settings.ConnectionString;
        }

        configure?.Invoke(settings);

        if (!settings.DisableMetrics && settings.ClientConfig.StatisticsIntervalMs is null)
        {
            settings.ClientConfig.StatisticsIntervalMs = 1000;
        }
        return settings;
    }

    private static void BindSection(IConfigurationSection section, KafkaClientSettings settings)
    {
        if (section["ConnectionString"] is { Length: > 0 } connectionString)
        {
            settings.ConnectionString = connectionString;
        }
        if (section["DisableHealthChecks"] is { } disableHealthChecks)
        {
            settings.DisableHealthChecks = ParseBool(section, "DisableHealthChecks", disableHealthChecks);
        }
        if (section["DisableMetrics"] is { } disableMetrics)
        {
            settings.DisableMetrics = ParseBool(section, "DisableMetrics", disableMetrics);
        }
        if (section["HealthCheckTimeout"] is { } timeout)
        {
            settings.HealthCheckTimeout = TimeSpan.TryParse(timeout, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
                && parsed > TimeSpan.Zero
                ? parsed
                : throw new InvalidOperationException(
                    $"{section.Path}:HealthCheckTimeout is '{timeout}', not a positive time span such as 00:00:02.");
        }

        var config = section.GetSection(ConfigSection);
        foreach (var child in config.GetChildren())
        {
            if (child.Value is null)
            {
                continue;
            }
            // Raw librdkafka names ("bootstrap.servers", "sasl.mechanism") pass straight through; typed names
            // ("BootstrapServers", "SaslMechanism") go through the property so enums are parsed and checked.
            if (child.Key.Contains('.', StringComparison.Ordinal))
            {
                settings.ClientConfig.Set(child.Key, child.Value);
                continue;
            }
            var property = settings.ClientConfig.GetType().GetProperty(child.Key,
                System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            if (property is null || property.SetMethod is null)
            {
                throw new InvalidOperationException(
                    $"{child.Path} is not a Confluent.Kafka {settings.ClientConfig.GetType().Name} property; use a typed name "
                    + "such as BootstrapServers or a raw librdkafka name such as bootstrap.servers.");
            }
            property.SetValue(settings.ClientConfig, ConvertValue(child, property.PropertyType));
        }
    }

    private static object ConvertValue(IConfigurationSection child, Type propertyType)
    {
        var target = Nullable.GetUnderlyingType(propertyType) ?? propertyType;
        try
        {
            if (target.IsEnum)
            {
                return Enum.Parse(target, child.Value!, ignoreCase: true);
            }
            return Convert.ChangeType(child.Value!, target, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or OverflowException)
        {
            var hint = target.IsEnum ? $" Allowed: {string.Join(", ", Enum.GetNames(target))}." : string.Empty;
            throw new InvalidOperationException($"{child.Path} is '{child.Value}', not a valid {target.Name}.{hint}", exception);
        }
    }

    private static bool ParseBool(IConfigurationSection section, string key, string value) =>
        bool.TryParse(value, out var parsed)
            ? parsed
            : throw new InvalidOperationException($"{section.Path}:{key} is '{value}', not true or false.");

    private static void RequireBootstrapServers(KafkaClientSettings settings, string sectionName, string connectionName)
    {
        if (string.IsNullOrWhiteSpace(settings.ClientConfig.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"No bootstrap servers configured for Kafka connection '{connectionName}': set ConnectionStrings:{connectionName} "
                + $"or {sectionName}:{ConfigSection}:BootstrapServers");
        }
    }
}
