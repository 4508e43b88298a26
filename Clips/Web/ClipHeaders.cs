using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AspirePipeline.Clips.Web;

/// <summary>The response headers that say what a clip holds, next to its <c>video/mp4</c>.</summary>
internal static class ClipHeaders
{
    /// <summary>The camera id, percent-encoded (header values are ASCII).</summary>
    public const string Camera = "Clip-Camera";

    /// <summary>Capture time of the clip's first frame (a keyframe), ISO 8601 UTC.</summary>
    public const string FirstCapture = "Clip-First-Capture";

    /// <summary>Capture time of the clip's last frame.</summary>
    public const string LastCapture = "Clip-Last-Capture";

    /// <summary>How many frames (access units) the clip has.</summary>
    public const string Frames = "Clip-Frames";

    /// <summary><see cref="AtOrBeforeFrom"/>, or <see cref="AfterFrom"/> when no keyframe was within the lookback before <c>from</c>.</summary>
    public const string StartKeyframe = "Clip-Start-Keyframe";

    public const string AtOrBeforeFrom = "at-or-before-from";
    public const string AfterFrom = "after-from";

    /// <summary><c>true</c> when the recording had passed <c>to</c>; <c>false</c> when the wait for it ended first.</summary>
    public const string Complete = "Clip-Complete";

    /// <summary>A sentence on what differs from the request (a late start, an incomplete end), when something does.</summary>
    public const string Note = "Clip-Note";

    /// <summary>For an event's clip: the event's type, capture time and position on the events topic.</summary>
    public const string Event = "Clip-Event";

    public static void Write(HttpResponse response, Clip clip, ClipsOptions options)
    {
        var headers = response.Headers;
        headers[Camera] = Uri.EscapeDataString(clip.Camera);
        headers[FirstCapture] = Instants.Format(clip.FirstCapture);
        headers[LastCapture] = Instants.Format(clip.LastCapture);
        headers[Frames] = clip.Frames.ToString(CultureInfo.InvariantCulture);
        headers[StartKeyframe] = clip.StartsAfterFrom ? AfterFrom : AtOrBeforeFrom;
        headers[Complete] = clip.Complete ? "true" : "false";
        var notes = new List<string>();
        if (clip.StartsAfterFrom)
        {
            notes.Add($"No keyframe within Clips:KeyframeLookback ({Instants.Describe(options.KeyframeLookback)}) before from: the clip starts "
                + $"at the first keyframe after it, {Instants.Format(clip.FirstCapture)}.");
        }
        if (!clip.Complete)
        {
            notes.Add($"The recording had not passed to within Clips:RecordingWait ({Instants.Describe(options.RecordingWait)}): the clip ends "
                + $"with the last frame recorded, {Instants.Format(clip.LastCapture)}.");
        }
        if (notes.Count > 0)
        {
            headers[Note] = Ascii(string.Join(' ', notes));
        }
        var name = $"{Safe(clip.Camera)}-{clip.FirstCapture.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.mp4";
        headers.ContentDisposition = $"inline; filename=\"{name}\"";
    }

    /// <summary>Non-ASCII and control characters percent-encoded (as UTF-8), so any camera id can go into a header.</summary>
    public static string Ascii(string text)
    {
        var ascii = new StringBuilder(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is >= ' ' and <= '~')
            {
                ascii.Append((char)rune.Value);
                continue;
            }
            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                ascii.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }
        return ascii.ToString();
    }

    private static string Safe(string camera) => string.Concat(camera.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
