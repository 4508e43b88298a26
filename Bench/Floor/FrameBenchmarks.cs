using AspirePipeline.Frames;
using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using OpenCvSharp;

namespace AspirePipeline.Bench.Floor;

/// <summary>
/// BenchmarkDotNet micro benchmarks of the per-frame work the pipeline does besides decoding the camera: JPEG and
/// seed-JSON encode and decode with the frame contract's own encoder and decoder, and building the Kafka message as
/// Producer/FramePublisher.cs does. Each call takes the next of a few recorded camera frames, so the content is the
/// camera's, not one cached picture. Public and unsealed because BenchmarkDotNet generates code around it.
/// </summary>
public class FrameBenchmarks
{
    private const string CameraId = "camera-1";

    /// <summary>What the mean-intensity analyzer asks of the decoder (FrameProcessing/Analysis/MeanIntensityAnalyzer.cs).</summary>
    internal static readonly DecodeTarget MeanTarget = new(MaxDownscale: 8);

    /// <summary>What the motion analyzer asks with its default AnalysisWidth of 320 (FrameProcessing/Analysis/MotionAnalyzer.cs).</summary>
    internal static readonly DecodeTarget MotionTarget = new(MaxDownscale: 8, Grayscale: true, MinWidth: 320);

    private readonly FrameEncoder _jpegEncoder = new(FrameEncoding.Jpeg, FrameEncoder.DefaultJpegQuality);
    private readonly FrameEncoder _seedJsonEncoder = new(FrameEncoding.SeedJson);
    private IReadOnlyList<Mat> _images = [];
    private EncodedFrame[] _jpeg = [];
    private EncodedFrame[] _seedJson = [];
    private Headers[] _jpegHeaders = [];
    private Headers[] _seedJsonHeaders = [];
    private int _next;
    private long _sequence;

    /// <summary>Frames per size ("640x480"), set by <see cref="MicroBenchmarks"/> before the run (same process).</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<Mat>> Frames { get; set; } =
        new Dictionary<string, IReadOnlyList<Mat>>();

    public static IEnumerable<string> Sizes => Frames.Keys;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _images = Frames.TryGetValue(Size, out var images) && images.Count > 0
            ? images
            : throw new InvalidOperationException($"No recorded frames for size {Size}; FrameBenchmarks.Frames must be set before the run.");
        _jpeg = [.. _images.Select((image, i) => _jpegEncoder.Encode(image, CameraId, i, Timestamp()))];
        _seedJson = [.. _images.Select((image, i) => _seedJsonEncoder.Encode(image, CameraId, i, Timestamp()))];
        _jpegHeaders = [.. _jpeg.Select(ToHeaders)];
        _seedJsonHeaders = [.. _seedJson.Select(ToHeaders)];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _jpegEncoder.Dispose();
        _seedJsonEncoder.Dispose();
    }

    [Benchmark]
    public EncodedFrame JpegEncode() => _jpegEncoder.Encode(_images[Next()], CameraId, _sequence++, Timestamp());

    [Benchmark]
    public int JpegDecode()
    {
        var i = Next();
        using var frame = FrameDecoder.Decode(_jpeg[i].Payload, Lookup(_jpegHeaders[i]));
        return frame.Image.Width;
    }

    /// <summary>The reduced decode consumerGroup_1 does (1/8 scale, colour) unless its live view is watched.</summary>
    [Benchmark]
    public int JpegDecodeForMean()
    {
        var i = Next();
        using var frame = FrameDecoder.Decode(_jpeg[i].Payload, Lookup(_jpegHeaders[i]), MeanTarget);
        return frame.Image.Width;
    }

    /// <summary>The reduced decode consumerGroup_2 does (gray, scaled down as far as 320 pixels wide allows).</summary>
    [Benchmark]
    public int JpegDecodeForMotion()
    {
        var i = Next();
        using var frame = FrameDecoder.Decode(_jpeg[i].Payload, Lookup(_jpegHeaders[i]), MotionTarget);
        return frame.Image.Width;
    }

    [Benchmark]
    public EncodedFrame SeedJsonEncode() => _seedJsonEncoder.Encode(_images[Next()], CameraId, _sequence++, Timestamp());

    [Benchmark]
    public int SeedJsonDecode()
    {
        var i = Next();
        using var frame = FrameDecoder.Decode(_seedJson[i].Payload, Lookup(_seedJsonHeaders[i]));
        return frame.Image.Width;
    }

    /// <summary>Headers and message of an encoded JPEG frame, as the producer builds them before Produce.</summary>
    [Benchmark]
    public Message<string, byte[]> MessageBuild()
    {
        var encoded = _jpeg[Next()];
        var headers = new Headers();
        encoded.Metadata.WriteHeaders(headers.Add);
        return new Message<string, byte[]>
        {
            Key = CameraId,
            Value = encoded.Payload,
            Headers = headers,
            Timestamp = new Timestamp(
                DateTimeOffset.UnixEpoch.AddTicks(encoded.Metadata.CaptureTimestampMicros!.Value * TimeSpan.TicksPerMicrosecond)),
        };
    }

    /// <summary>Mean payload sizes over the recorded frames, for the report.</summary>
    internal static (double Jpeg, double SeedJson) PayloadBytes(IReadOnlyList<Mat> images)
    {
        using var jpeg = new FrameEncoder(FrameEncoding.Jpeg, FrameEncoder.DefaultJpegQuality);
        using var seedJson = new FrameEncoder(FrameEncoding.SeedJson);
        return (images.Average(image => jpeg.Encode(image, CameraId, 0, 0).Payload.Length),
            images.Average(image => seedJson.Encode(image, CameraId, 0, 0).Payload.Length));
    }

    private int Next()
    {
        var i = _next;
        _next = i + 1 == _images.Count ? 0 : i + 1;
        return i;
    }

    private static long Timestamp() => FrameMetadata.ToUnixMicroseconds(DateTimeOffset.UtcNow);

    private static Headers ToHeaders(EncodedFrame encoded)
    {
        var headers = new Headers();
        encoded.Metadata.WriteHeaders(headers.Add);
        return headers;
    }

    // The consumers' lookup (KafkaClient's Headers.AsLookup).
    private static Func<string, byte[]?> Lookup(Headers headers) =>
        key => headers.TryGetLastBytes(key, out var value) ? value : null;
}
