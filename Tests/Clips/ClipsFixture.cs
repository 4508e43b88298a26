using System.Net;
using AspirePipeline.Contracts;

namespace AspirePipeline.Tests.Clips;

/// <summary>
/// A real broker with the pipeline's topics, two cameras' recordings on <c>frames.video</c> (ffmpeg's H.264, produced
/// with Confluent.Kafka, both cameras interleaved on one partition that no key partitioner chose) and the Clips
/// service running from its build output, its catalog caught up.
/// </summary>
public sealed class ClipsFixture : IAsyncLifetime
{
    public const string Camera = "cam-a";
    public const string OtherCamera = "cam-b";
    public const int VideoPartition = 2;
    public const int Seconds = 30;
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private BrokerProcess? _broker;
    private ServiceProcess? _clips;
    private RecordedStream? _source;
    private RecordedStream? _other;

    public BrokerProcess Broker => _broker ?? throw new InvalidOperationException("The fixture did not start.");

    public ServiceProcess Service => _clips ?? throw new InvalidOperationException("The fixture did not start.");

    /// <summary><see cref="Camera"/>'s stream: 640x360, 30 fps, 30 s, a keyframe each second.</summary>
    public RecordedStream Source => _source ?? throw new InvalidOperationException("The fixture did not start.");

    /// <summary><see cref="Camera"/>'s first frame's capture time (whole milliseconds, ten minutes ago).</summary>
    public DateTimeOffset Start { get; } = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds());

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(90) };

    public async Task InitializeAsync()
    {
        _broker = await BrokerProcess.StartAsync();
        await FrameTopicsAdmin.CreateAllAsync(_broker.BootstrapServers, partitions: 3);
        _source = await RecordedStream.MakeAsync("testsrc2", 640, 360, Seconds);
        _other = await RecordedStream.MakeAsync("testsrc", 320, 180, Seconds);
        // The other camera starts 100 ms later, so its frames fall between this one's.
        RecordedStream.Produce(_broker.BootstrapServers, VideoPartition, (Camera, _source, Start), (OtherCamera, _other, Start.AddMilliseconds(100)));

        _clips = await ServiceProcess.StartListeningAsync("Clips", "clips", new Dictionary<string, string>
        {
            [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = _broker.BootstrapServers,
        });
        Http.BaseAddress = _clips.BaseAddress;
        var page = "";
        await Poll.UntilAsync(async () =>
            {
                page = await Http.GetStringAsync(new Uri("/", UriKind.Relative));
                return page.Contains($"/clips/{Camera}\"", StringComparison.Ordinal)
                    && page.Contains($"/clips/{OtherCamera}\"", StringComparison.Ordinal)
                    && page.Contains("has read all 3 partition(s)", StringComparison.Ordinal);
            },
            Deadline, () => $"the catalog listing both cameras, caught up with {FrameTopics.Video}; the page said:\n{page}\n{_clips.Output}");
    }

    /// <summary>GET <paramref name="path"/>; the MP4 saved to a temporary file on success.</summary>
    public async Task<(HttpResponseMessage Response, string? Mp4, string Body)> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        var response = await Http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "video/mp4")
        {
            return (response, null, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        var file = Path.Combine(Path.GetTempPath(), $"clip-test-{Guid.NewGuid():N}.mp4");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync(cancellationToken), cancellationToken);
        return (response, file, "");
    }

    /// <summary>The clip path of <paramref name="camera"/> from <paramref name="from"/> to <paramref name="to"/> as ISO 8601 instants.</summary>
    public static string ClipPath(string camera, DateTimeOffset from, DateTimeOffset to) =>
        $"/clips/{camera}?from={Uri.EscapeDataString(from.UtcDateTime.ToString("O"))}&to={Uri.EscapeDataString(to.UtcDateTime.ToString("O"))}";

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_clips is not null)
        {
            await _clips.DisposeAsync();
        }
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
        _source?.Dispose();
        _other?.Dispose();
    }
}
