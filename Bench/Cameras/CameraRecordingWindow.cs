namespace AspirePipeline.Bench.Cameras;

/// <summary>
/// One recorded camera's <c>frames.video</c> messages (those captured in a window, or all of a run), in the order the
/// topic holds them: how many, how many access units are missing between them (<c>video.sequence</c> steps over 1), how
/// many steps went back or repeated, how many pictures they hold, and how many frames their pts span at the camera's
/// rate, which equals the pictures (±1 for where the window cut) when none of the camera's pictures is missing,
/// whatever the producer's own numbering says.
/// </summary>
/// <remarks>
/// A picture is usually one message. ffmpeg hands on a keyframe in two, 1 tick apart, when its second slice comes after
/// parameter sets of its own (the simulator's RTP payloader, <c>config-interval=-1</c>, sends them before every IDR
/// slice, and the bench clip's pictures have two slices): a message less than a millisecond of pts after a keyframe is
/// counted as part of that keyframe's picture (<see cref="Split"/> counts them), so the pts check is of pictures. The
/// gap between two pictures is not a test: the simulator stamps a frame when it sends it, so on a busy machine two
/// pictures can come well under a frame apart.
/// </remarks>
/// <param name="Camera">The camera id.</param>
/// <param name="Count">Messages.</param>
/// <param name="Pictures">Pictures they hold: messages but those less than a millisecond of pts after a keyframe.</param>
/// <param name="Missing">Sequence numbers skipped between consecutive messages.</param>
/// <param name="OutOfOrder">Consecutive messages whose sequence did not rise (repeated or reordered).</param>
/// <param name="PtsFrames">Frames the first to the last message's pts span at the camera's rate, both included; 0 without pts.</param>
/// <param name="WithoutPts">Messages that carried no pts.</param>
/// <param name="Bytes">Their payloads' bytes.</param>
internal sealed record CameraRecordingWindow(string Camera, int Count, int Pictures, long Missing, int OutOfOrder, long PtsFrames,
    int WithoutPts, long Bytes)
{
    private const double PtsClock = 90_000;

    /// <summary>A millisecond of pts: a message this close after a keyframe is the rest of it, not a picture of its own.</summary>
    private const long SamePictureTicks = 90;

    /// <summary>How far the pts span is from the pictures, in frames (0 or ±1 when nothing is missing).</summary>
    public long PtsMismatch => PtsFrames - Pictures;

    /// <summary>Messages that continue the picture of the one before (a picture in more than one message).</summary>
    public int Split => Count - Pictures;

    /// <param name="camera">The camera id.</param>
    /// <param name="messages">Its messages, in the topic's order.</param>
    /// <param name="fps">The camera's frame rate (the recording is its whole stream).</param>
    public static CameraRecordingWindow Of(string camera, IReadOnlyList<VideoMessage> messages, int fps)
    {
        var frameTicks = PtsClock / fps;
        long missing = 0;
        int outOfOrder = 0, pictures = messages.Count == 0 ? 0 : 1;
        foreach (var (previous, next) in messages.Zip(messages.Skip(1)))
        {
            if (next.Sequence > previous.Sequence)
            {
                missing += next.Sequence - previous.Sequence - 1;
            }
            else
            {
                outOfOrder++;
            }
            var sharesPicture = previous.Keyframe && next.Pts is { } pts && previous.Pts is { } before
                && pts - before is >= 0 and < SamePictureTicks;
            pictures += sharesPicture ? 0 : 1;
        }
        var withPts = messages.Where(message => message.Pts is not null).ToList();
        var ptsFrames = withPts.Count == 0 ? 0 : (long)Math.Round((withPts[^1].Pts!.Value - withPts[0].Pts!.Value) / frameTicks) + 1;
        return new CameraRecordingWindow(camera, messages.Count, pictures, missing, outOfOrder, ptsFrames, messages.Count - withPts.Count,
            messages.Sum(message => (long)message.Bytes));
    }
}
