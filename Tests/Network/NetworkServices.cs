using System.Net.Http.Json;
using System.Text.Json;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Producer;
using AspirePipeline.TestSupport.Network;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;
using TopicReader = AspirePipeline.Tests.Consumers.TopicReader;

namespace AspirePipeline.Tests.Network;

/// <summary>
/// The pipeline's services as the network scenarios start them on their hosts: each its own process, configured as
/// the published deployment configures it (the connection string, the group id, the topics).
/// </summary>
internal static class NetworkServices
{
    private static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(60);

    /// <summary>The producer on <paramref name="host"/>, reading each of <paramref name="cameras"/> from one stream.</summary>
    public static ServiceProcess StartProducer(NetworkHost host, string bootstrap, string topic, string cameraUrl,
        IReadOnlyList<string> cameras, IReadOnlyDictionary<string, string>? settings = null) =>
        ServiceProcess.Start("Producer", ProducerEnvironment(bootstrap, topic, cameraUrl, cameras, settings), "producer", host);

    /// <summary>
    /// The same, listening on the host's network address, so that the test reads its <c>/stats</c> as an operator
    /// would; ready once it listens (<see cref="ServiceProcess.BaseAddress"/>).
    /// </summary>
    public static Task<ServiceProcess> StartProducerListeningAsync(NetworkHost host, string bootstrap, string topic, string cameraUrl,
        IReadOnlyList<string> cameras, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = ProducerEnvironment(bootstrap, topic, cameraUrl, cameras, settings);
        environment["ASPNETCORE_URLS"] = $"http://{host.Address}:0";
        return ServiceProcess.StartListeningAsync("Producer", "producer", environment, host: host);
    }

    private static Dictionary<string, string> ProducerEnvironment(string bootstrap, string topic, string cameraUrl,
        IReadOnlyList<string> cameras, IReadOnlyDictionary<string, string>? settings)
    {
        var environment = new Dictionary<string, string>
        {
            [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = bootstrap,
            [ServiceEnvironment.Producer.Topic] = topic,
        };
        for (var index = 0; index < cameras.Count; index++)
        {
            environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Id)] = cameras[index];
            environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Url)] = cameraUrl;
        }
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        return environment;
    }

    /// <summary>The producer's <c>/stats</c> cameras, read with its own contract.</summary>
    public static async Task<IReadOnlyList<CameraStats>> ProducerStatsAsync(HttpClient http) =>
        (await http.GetFromJsonAsync("/stats", ProducerJsonContext.Default.ProducerStats))!.Cameras;

    /// <summary>The group's results so far (read on to the topic's end).</summary>
    public static List<AnalysisRecord> Records(TopicReader results, string group) =>
        [.. results.ReadToEnd(ReadDeadline)
            .Select(message => JsonSerializer.Deserialize<AnalysisRecord>(message.Message.Value, JsonSerializerOptions.Web)!)
            .Where(record => record.Group == group)];
}
