using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// Healthy when the camera answers what a reader asks first: <c>DESCRIBE</c> answered <c>200</c> with an SDP that
/// describes a video stream. An RTSP server that answers but cannot stream (a simulator missing a GStreamer plugin
/// answers 503, a mediamtx path with no publisher 404) is Unhealthy with the status it gave. Real cameras that ask
/// for credentials get the ones in the URL (Basic or Digest), as ffmpeg would send them.
/// </summary>
internal static class RtspCameraProbe
{
    /// <summary>One DESCRIBE (two when the server asks for credentials) on one connection, within <paramref name="timeout"/>.</summary>
    internal static async Task<HealthCheckResult> ProbeAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Never echo credentials from a real camera's URL into the dashboard or onto the wire's request line.
        var safeUrl = new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(url.Host, url.Port is > 0 ? url.Port : 554, deadline.Token).ConfigureAwait(false);
            var connection = new RtspConnection(client.GetStream());

            var response = await connection.DescribeAsync(safeUrl, cseq: 1, authorization: null, deadline.Token).ConfigureAwait(false);
            if (response.Status == 401 && Credentials.From(url) is { } credentials
                && response.Header("WWW-Authenticate") is { } challenge)
            {
                var authorization = credentials.Answer(challenge, "DESCRIBE", safeUrl.ToString(), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
                response = await connection.DescribeAsync(safeUrl, cseq: 2, authorization, deadline.Token).ConfigureAwait(false);
            }

            return response switch
            {
                { Status: 200 } when response.Body.Contains("m=video", StringComparison.Ordinal)
                    => HealthCheckResult.Healthy($"{safeUrl} streams: DESCRIBE answered {response.StatusLine} with a video SDP"),
                { Status: 200 } => HealthCheckResult.Unhealthy($"{safeUrl} answered DESCRIBE without a video stream in its SDP"),
                { Status: 401 } => HealthCheckResult.Unhealthy(
                    $"{safeUrl} asks for credentials ({response.StatusLine}): put user and password in the camera URL"),
                { Status: 503 } => HealthCheckResult.Unhealthy(
                    $"{safeUrl} answers but cannot stream ({response.StatusLine}); a simulator's console log says what it lacks"),
                _ => HealthCheckResult.Unhealthy($"{safeUrl} answered DESCRIBE with {response.StatusLine}"),
            };
        }
        catch (Exception exception) when (exception is SocketException or IOException or InvalidDataException
                                              || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = exception is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0} s" : exception.Message;
            return HealthCheckResult.Unhealthy($"{safeUrl} does not answer RTSP: {reason}", exception);
        }
    }

    private sealed record RtspResponse(string StatusLine, int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name);
    }

    /// <summary>Just enough RTSP/1.0 for DESCRIBE: requests out, a status line, headers and a Content-Length body back.</summary>
    private sealed class RtspConnection(NetworkStream stream)
    {
        private const int MaxResponseBytes = 64 * 1024;
        private readonly byte[] _buffer = new byte[MaxResponseBytes];
        private int _buffered;

        public async Task<RtspResponse> DescribeAsync(Uri url, int cseq, string? authorization, CancellationToken cancellationToken)
        {
            var request = new StringBuilder()
                .Append("DESCRIBE ").Append(url).Append(" RTSP/1.0\r\n")
                .Append("CSeq: ").Append(cseq).Append("\r\n")
                .Append("Accept: application/sdp\r\n")
                .Append("User-Agent: AspirePipeline.AppHost\r\n");
            if (authorization is not null)
            {
                request.Append("Authorization: ").Append(authorization).Append("\r\n");
            }
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken).ConfigureAwait(false);
            return await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
        }

        private async Task<RtspResponse> ReadResponseAsync(CancellationToken cancellationToken)
        {
            int headerEnd;
            while ((headerEnd = _buffer.AsSpan(0, _buffered).IndexOf("\r\n\r\n"u8)) < 0)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var lines = Encoding.ASCII.GetString(_buffer, 0, headerEnd).Split("\r\n");
            var statusLine = lines[0];
            if (!statusLine.StartsWith("RTSP/1.0 ", StringComparison.Ordinal)
                || !int.TryParse(statusLine.AsSpan(9, Math.Min(3, statusLine.Length - 9)), out var status))
            {
                throw new InvalidDataException($"answered something other than RTSP: '{statusLine}'");
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    // A camera may offer several challenges (Digest and Basic); the first is kept.
                    headers.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
                }
            }

            var bodyStart = headerEnd + 4;
            var length = headers.TryGetValue("Content-Length", out var raw) && int.TryParse(raw, out var parsed) ? parsed : 0;
            if (length < 0 || bodyStart + length > MaxResponseBytes)
            {
                throw new InvalidDataException($"announced a {length}-byte body, more than a DESCRIBE answer holds");
            }
            while (_buffered < bodyStart + length)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var body = Encoding.UTF8.GetString(_buffer, bodyStart, length);
            // Keep what followed this response (nothing, in practice) for the next read.
            _buffered -= bodyStart + length;
            Array.Copy(_buffer, bodyStart + length, _buffer, 0, _buffered);
            return new RtspResponse(statusLine, status, headers, body);
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            if (_buffered == _buffer.Length)
            {
                throw new InvalidDataException($"answered more than {MaxResponseBytes} bytes without ending its headers");
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_buffered), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("closed the connection before answering");
            }
            _buffered += read;
        }
    }

    /// <summary>The user and password of a camera URL, answering a Basic or Digest (RFC 2617, MD5) challenge.</summary>
    internal sealed record Credentials(string User, string Password)
    {
        public static Credentials? From(Uri url)
        {
            if (string.IsNullOrEmpty(url.UserInfo))
            {
                return null;
            }
            var parts = url.UserInfo.Split(':', 2);
            return new Credentials(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty);
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
                answer.Append($", qop=auth, nc={nonceCount}, cnonce=\"{clientNonce}\", response=\"{Md5($"{ha1}:{nonce}:{nonceCount}:{clientNonce}:auth:{ha2}")}\"");
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
}
