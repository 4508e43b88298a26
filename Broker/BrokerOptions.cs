using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Broker;

/// <summary>
/// The broker's settings, bound from the <c>Broker</c> configuration section (CLI switches such as <c>--port</c> map onto
/// it, so <c>Broker__Port</c> environment variables work too).
/// </summary>
internal sealed class BrokerOptions : IValidatableObject
{
    public const string SectionName = "Broker";

    /// <summary>Address the listener binds (an IP address or <c>localhost</c>).</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (the real port is printed and exposed).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 9092;

    /// <summary>Host name clients are told to connect to (Metadata, FindCoordinator); defaults to <see cref="Host"/>.</summary>
    public string? AdvertisedHost { get; set; }

    [Range(0, int.MaxValue)]
    public int NodeId { get; set; } = 1;

    /// <summary>Where partition logs and committed offsets live; required unless <see cref="InMemory"/>.</summary>
    public string? DataDir { get; set; }

    /// <summary>Keep everything in memory (tests); nothing survives a restart.</summary>
    public bool InMemory { get; set; }

    /// <summary>Partitions of auto-created topics and of CreateTopics requests asking for the default (-1).</summary>
    [Range(1, 10_000)]
    public int DefaultPartitions { get; set; } = 3;

    /// <summary>Create unknown topics on Metadata/Produce when the request allows it.</summary>
    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>Largest record batch accepted (Kafka's message.max.bytes, same default).</summary>
    [Range(1024, 1_073_741_824)]
    public int MessageMaxBytes { get; set; } = 1_048_588;

    /// <summary>
    /// Largest request frame read from a socket; larger frames close the connection before being buffered.
    /// Defaults to twice <see cref="MessageMaxBytes"/> plus 64 KiB so a moderately oversized batch still reaches the
    /// Produce handler and gets MESSAGE_TOO_LARGE instead of a dropped connection.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MaxRequestBytes { get; set; }

    /// <summary>
    /// How long a client may take to send the rest of a request frame or to read a response before its connection is
    /// closed (idle connections between requests are not affected).
    /// </summary>
    [Range(100, int.MaxValue)]
    public int ClientStallTimeoutMs { get; set; } = 30_000;

    /// <summary>Per-partition byte limit of retention (null = unlimited).</summary>
    [Range(1, long.MaxValue)]
    public long? RetentionBytes { get; set; }

    /// <summary>Age limit of retention in milliseconds (null = unlimited).</summary>
    [Range(1, long.MaxValue)]
    public long? RetentionMs { get; set; }

    /// <summary>How often retention runs.</summary>
    [Range(100, int.MaxValue)]
    public int RetentionCheckIntervalMs { get; set; } = 30_000;

    /// <summary>
    /// Share of requests traced (0 to 1). Every request is a root span (Kafka requests carry no trace context), and a
    /// pipeline at 30 fps sends hundreds a second: tracing them all would crowd the frames' traces out of the dashboard.
    /// </summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = 0.01;

    internal string EffectiveAdvertisedHost =>
        !string.IsNullOrWhiteSpace(AdvertisedHost) ? AdvertisedHost
        : Host is "0.0.0.0" or "::" or "[::]" ? "localhost"
        : Host;

    internal int EffectiveMaxRequestBytes =>
        MaxRequestBytes > 0 ? MaxRequestBytes : (int)Math.Min(int.MaxValue - 1, (2L * MessageMaxBytes) + 65_536);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!InMemory && string.IsNullOrWhiteSpace(DataDir))
        {
            yield return new ValidationResult(
                "Broker:DataDir is not set: pass --data-dir <dir> (or Broker__DataDir), or --in-memory to keep nothing on disk.",
                [nameof(DataDir)]);
        }

        if (Host.Length == 0 || (!System.Net.IPAddress.TryParse(Host.Trim('[', ']'), out _) && Host != "localhost"))
        {
            yield return new ValidationResult(
                $"Broker:Host '{Host}' is not an IP address or 'localhost': pass --host 127.0.0.1 (or 0.0.0.0 for all interfaces).",
                [nameof(Host)]);
        }

        if (MaxRequestBytes > 0 && MaxRequestBytes < MessageMaxBytes)
        {
            yield return new ValidationResult(
                $"Broker:MaxRequestBytes ({MaxRequestBytes}) is below Broker:MessageMaxBytes ({MessageMaxBytes}): " +
                "raise it or leave it 0 for the default.",
                [nameof(MaxRequestBytes)]);
        }
    }

    /// <summary>Validates like ValidateDataAnnotations does, for in-process use without a host.</summary>
    internal void ValidateOrThrow()
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new OptionsValidationException(
                SectionName, typeof(BrokerOptions), results.Select(r => r.ErrorMessage ?? "invalid broker option"));
        }
    }

    internal BrokerOptions Clone() => (BrokerOptions)MemberwiseClone();
}
