namespace AspirePipeline.Producer.Sources;

/// <summary>Camera URLs may carry credentials (<c>rtsp://user:password@host/...</c>); logs and errors show them redacted.</summary>
internal static class CameraUrl
{
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? url.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal)
            : url;

    /// <summary>Removes the credentials of <paramref name="url"/> from any text (e.g. a line ffmpeg printed).</summary>
    public static string RedactIn(string text, string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? text.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal)
                  .Replace(Uri.UnescapeDataString(uri.UserInfo) + "@", "***@", StringComparison.Ordinal)
            : text;
}
