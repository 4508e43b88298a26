using System.Globalization;

namespace AspirePipeline.Contracts;

/// <summary>
/// The settings the AppHost hands each service, as the environment variables it sets (a configuration key with ':'
/// written '__'), named once for the AppHost, the benchmarks and the tests that look a service up by them. Each is a
/// key of that service's options; <c>Tests/Hosting/ServiceEnvironmentTests</c> checks them against the options classes.
/// </summary>
public static class ServiceEnvironment
{
    /// <summary>The connection string of a resource the service references (<c>ConnectionStrings:{name}</c>).</summary>
    public static string ConnectionString(string name) => $"ConnectionStrings__{name}";

    /// <summary>A configuration key (<c>Section:Key</c>) as the environment variable that sets it.</summary>
    public static string FromKey(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>The producer's options (section <c>Producer</c>).</summary>
    public static class Producer
    {
        public const string Topic = "Producer__Topic";
        public const string Encoding = "Producer__Encoding";
        public const string JpegEncoder = "Producer__JpegEncoder";

        /// <summary>A setting of the <paramref name="index"/>-th camera, e.g. <c>Producer__Cameras__0__Url</c>.</summary>
        /// <param name="index">The camera's place in <c>Producer:Cameras</c>.</param>
        /// <param name="setting">One of <see cref="CameraSettings"/>.</param>
        public static string Camera(int index, string setting) =>
            string.Create(CultureInfo.InvariantCulture, $"Producer__Cameras__{index}__{setting}");

        /// <summary>The settings of one camera the AppHost sets (the producer's <c>CameraOptions</c>).</summary>
        public static class CameraSettings
        {
            public const string Id = "Id";
            public const string Url = "Url";
            public const string Record = "Record";
            public const string Fps = "Fps";
            public const string Width = "Width";
        }
    }

    /// <summary>A consumer group's service: FrameProcessing's options, its live view's, and its Kafka group id.</summary>
    public static class ConsumerGroup
    {
        /// <summary>The Kafka consumer integration's group id (<c>Aspire:Confluent:Kafka:Consumer:Config:GroupId</c>).</summary>
        public const string GroupId = "Aspire__Confluent__Kafka__Consumer__Config__GroupId";
        public const string Analyzer = "FrameProcessing__Analyzer";
        public const string FramesTopic = "FrameProcessing__Topic";
        public const string ResultsTopic = "FrameProcessing__ResultsTopic";
        public const string DeadLetterTopic = "FrameProcessing__DeadLetterTopic";
        public const string EventsTopic = "FrameProcessing__EventsTopic";
        public const string Fps = "FrameProcessing__Fps";
        public const string StartAt = "FrameProcessing__StartAt";
        /// <summary>The name a replica gives itself in its results (<c>instance</c>) and logs; default: host and pid.</summary>
        public const string InstanceId = "FrameProcessing__InstanceId";
        public const string HeaderlessCameraId = "HeaderlessFrames__CameraId";
        public const string ClipsUrl = "LiveView__ClipsUrl";

        /// <summary>The <paramref name="index"/>-th camera the group watches (none: all).</summary>
        public static string Camera(int index) => string.Create(CultureInfo.InvariantCulture, $"FrameProcessing__Cameras__{index}");
    }

    /// <summary>The clips service's options (section <c>Clips</c>).</summary>
    public static class Clips
    {
        public const string VideoTopic = "Clips__VideoTopic";
        public const string EventsTopic = "Clips__EventsTopic";
    }

    /// <summary>Our broker's options (section <c>Broker</c>).</summary>
    public static class Broker
    {
        public const string Host = "Broker__Host";
        public const string Port = "Broker__Port";
        public const string AdvertisedHost = "Broker__AdvertisedHost";
        public const string DataDir = "Broker__DataDir";
        public const string MessageMaxBytes = "Broker__MessageMaxBytes";
        public const string DefaultPartitions = "Broker__DefaultPartitions";

        /// <summary>What any other broker setting's variable starts with.</summary>
        public const string Prefix = "Broker__";
    }
}
