using System.Security.Cryptography;
using System.Text;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// The user and password of a camera URL, answering a Basic or Digest (RFC 2617, MD5) challenge; the RTSP probe uses
/// it, and the HTTP probe hands it to the HTTP client.
/// </summary>
internal sealed record CameraCredentials(string User, string Password)
{
    /// <summary><paramref name="url"/> without its user and password, to show or to put on the wire's request line.</summary>
    public static Uri Strip(Uri url) => new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri;

    public static CameraCredentials? From(Uri url)
    {
        if (string.IsNullOrEmpty(url.UserInfo))
        {
            return null;
        }
        var parts = url.UserInfo.Split(':', 2);
        return new CameraCredentials(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty);
    }

    /// <summary>The Authorization header for <paramref name="challenge"/> (a WWW-Authenticate value).</summary>
    public string Answer(string challenge, string method, string uri, string clientNonce)
    {
        if (challenge.StartsWith("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        }

        var realm = Parameter(challenge, "realm");
        var nonce = Parameter(challenge, "nonce");
        var opaque = Parameter(challenge, "opaque");
        var ha1 = Md5($"{User}:{realm}:{Password}");
        var ha2 = Md5($"{method}:{uri}");
        var answer = new StringBuilder($"Digest username=\"{User}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\"");
        if (Parameter(challenge, "qop").Split(',', StringSplitOptions.TrimEntries).Contains("auth"))
        {
            const string nonceCount = "00000001";
            var response = Md5($"{ha1}:{nonce}:{nonceCount}:{clientNonce}:auth:{ha2}");
            answer.Append($", qop=auth, nc={nonceCount}, cnonce=\"{clientNonce}\", response=\"{response}\"");
        }
        else
        {
            answer.Append($", response=\"{Md5($"{ha1}:{nonce}:{ha2}")}\"");
        }
        if (opaque.Length > 0)
        {
            answer.Append($", opaque=\"{opaque}\"");
        }
        return answer.ToString();
    }

    private static string Parameter(string challenge, string name)
    {
        var start = challenge.IndexOf(name + "=\"", StringComparison.OrdinalIgnoreCase);
        if (start < 0)
        {
            return string.Empty;
        }
        start += name.Length + 2;
        var end = challenge.IndexOf('"', start);
        return end < 0 ? challenge[start..] : challenge[start..end];
    }

    // RFC 2617 Digest is defined over MD5; this is the camera's protocol, not a choice of ours.
#pragma warning disable CA5351
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
}
