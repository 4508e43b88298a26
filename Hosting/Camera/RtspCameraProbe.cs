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
        var safeUrl = CameraCredentials.Strip(url);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(url.Host, url.Port is > 0 ? url.Port : 554, deadline.Token).ConfigureAwait(false);
            var connection = new RtspConnection(client.GetStream());

            var response = await connection.DescribeAsync(safeUrl, cseq: 1, authorization: null, deadline.Token).ConfigureAwait(false);
            if (response.Status == 401 && CameraCredentials.From(url) is { } credentials
                && response.Header("WWW-Authenticate") is { } challenge)
            {
                var authorization = credentials.Answer(
                    challenge, "DESCRIBE", safeUrl.ToString(), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
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
}
