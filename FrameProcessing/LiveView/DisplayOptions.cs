namespace AspirePipeline.FrameProcessing.LiveView;

/// <summary>The optional local OpenCV window; section <c>Display</c>.</summary>
public sealed class DisplayOptions
{
    public const string SectionName = "Display";

    /// <summary>Shows the overlay frames in a window when an X display exists (<c>DISPLAY</c> set); headless otherwise.</summary>
    public bool Window { get; set; }
}
