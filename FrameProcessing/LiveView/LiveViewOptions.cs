using System.ComponentModel.DataAnnotations;

namespace AspirePipeline.FrameProcessing.LiveView;

/// <summary>The consumer's live view (HTML page, MJPEG stream, statistics); section <c>LiveView</c>.</summary>
public sealed class LiveViewOptions
{
    public const string SectionName = "LiveView";

    public bool Enabled { get; set; } = true;

    /// <summary>Highest rate at which overlay frames are encoded and streamed; frames in between are not encoded.</summary>
    [Range(1, 60)]
    public int MaxFps { get; set; } = 10;

    [Range(1, 100)]
    public int JpegQuality { get; set; } = 75;

    /// <summary>Overlay frames wider than this are shrunk first, which keeps encoding and bandwidth small.</summary>
    [Range(64, 16384)]
    public int MaxWidth { get; set; } = 960;

    /// <summary>
    /// The clips service's address (the AppHost sets it): the page links each recent event to its clip there,
    /// <c>{ClipsUrl}/events/{partition}/{offset}/clip</c>. Unset, events are listed without links.
    /// </summary>
    [Url]
    public string? ClipsUrl { get; set; }
}
