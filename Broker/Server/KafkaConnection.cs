using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AspirePipeline.Broker.Apis;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Telemetry;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Broker.Server;

/// <summary>
/// One client connection: reads int32 size-prefixed request frames and answers them one at a time, in order (Kafka's
/// per-connection ordering). Anything wrong with a request costs only this connection.
/// </summary>
internal sealed partial class KafkaConnection(
    Socket socket,
    long id,
    ApiRegistry registry,
    BrokerMetrics metrics,
    int maxRequestBytes,
    TimeSpan stallTimeout,
    ILogger logger)
{
    /// <summary>ApiKey + ApiVersion + CorrelationId + ClientId length: the smallest possible request header.</summary>
    private const int MinimumRequestSize = 10;
    private const int InitialResponseCapacity = 4096;
    private const int RetainedResponseCapacity = 4 * 1024 * 1024;

    private readonly EndPoint? _remote = socket.RemoteEndPoint;

    public long Id => id;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        metrics.ConnectionOpened();
        LogConnectionOpened(id, _remote);
        var sizePrefix = new byte[4];
        using var stream = new NetworkStream(socket, ownsSocket: true);
        var response = new KafkaWriter(InitialResponseCapacity);
        // Armed only while a frame body is arriving or a response is being written: an idle client is fine, one that
        // sends half a frame or stops reading its responses is cut off instead of holding buffers forever.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = stall.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (!await ReadFrameStartAsync(stream, sizePrefix, token))
                {
                    break;
                }

                var size = BinaryPrimitives.ReadInt32BigEndian(sizePrefix);
                if (size < MinimumRequestSize || size > maxRequestBytes)
                {
                    // Refused before buffering: a lying size must not make us allocate or wait for gigabytes.
                    LogBadFrameSize(id, _remote, size, maxRequestBytes);
                    break;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    stall.CancelAfter(stallTimeout);
                    await stream.ReadExactlyAsync(buffer.AsMemory(0, size), token);
                    stall.CancelAfter(Timeout.InfiniteTimeSpan);
                    metrics.BytesIn(size + 4L);
                    if (!await HandleAsync(stream, buffer.AsMemory(0, size), response, stall, token))
                    {
                        break;
                    }

                    if (response.Length > RetainedResponseCapacity)
                    {
                        // One big fetch must not pin a large pooled buffer for the life of an idle connection.
                        response.Dispose();
                        response = new KafkaWriter(InitialResponseCapacity);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Broker shutdown.
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested)
        {
            LogClientStalled(id, _remote, (long)stallTimeout.TotalMilliseconds);
        }
        catch (EndOfStreamException)
        {
            LogTruncatedFrame(id, _remote);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            LogConnectionFailed(id, _remote, ex.Message);
        }
        finally
        {
            response.Dispose();
            metrics.ConnectionClosed();
            LogConnectionClosed(id, _remote);
        }
    }

    /// <summary>Reads the 4-byte size; false on a clean end of stream between frames.</summary>
    private static async ValueTask<bool> ReadFrameStartAsync(NetworkStream stream, byte[] sizePrefix, CancellationToken cancellationToken)
    {
        var read = await stream.ReadAtLeastAsync(sizePrefix, 4, throwOnEndOfStream: false, cancellationToken);
        return read switch
        {
            0 => false,
            4 => true,
            _ => throw new EndOfStreamException(),
        };
    }

    /// <summary>Handles one request; false means close the connection.</summary>
    private async ValueTask<bool> HandleAsync(
        NetworkStream stream, ReadOnlyMemory<byte> frame, KafkaWriter response, CancellationTokenSource stall, CancellationToken cancellationToken)
    {
        var header = frame.Span;
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(header);
        var apiVersion = BinaryPrimitives.ReadInt16BigEndian(header[2..]);
        var correlationId = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        var apiName = ApiRegistry.NameOf(apiKey);
        var handler = registry.Find(apiKey);
        response.Reset();
        var sizeAt = response.ReserveInt32();
        response.WriteInt32(correlationId);

        if (apiKey == (short)ApiKey.ApiVersions && handler is not null && apiVersion > handler.MaxVersion)
        {
            // Newer clients open with ApiVersions v3+ (flexible, header v2); Kafka's answer is a v0 body carrying
            // UNSUPPORTED_VERSION and our ranges, so the client retries with a version we speak.
            registry.ApiVersions.WriteUnsupportedVersionResponse(response);
            LogApiVersionsDowngrade(id, apiVersion);
            await SendAsync(stream, response, sizeAt, stall, cancellationToken);
            metrics.RequestHandled(apiName);
            return true;
        }

        var body = new KafkaReader(frame);
        string? clientId = null;
        try
        {
            _ = body.ReadInt16();
            _ = body.ReadInt16();
            _ = body.ReadInt32();
            clientId = body.ReadNullableString();

            if (handler is null || apiVersion < handler.MinVersion || apiVersion > handler.MaxVersion)
            {
                LogUnsupportedApi(id, clientId, _remote, apiName, apiKey, apiVersion);
                return false;
            }

            using var activity = BrokerMetrics.ActivitySource.StartActivity(apiName, ActivityKind.Server);
            activity?.SetTag("kafka.api.version", apiVersion);
            activity?.SetTag("kafka.client.id", clientId);
            var context = new RequestContext((ApiKey)apiKey, apiVersion, correlationId, clientId, body, id, _remote);
            var respond = await handler.HandleAsync(context, response, cancellationToken);
            metrics.RequestHandled(apiName);
            if (respond)
            {
                await SendAsync(stream, response, sizeAt, stall, cancellationToken);
            }

            return true;
        }
        catch (MalformedRequestException ex)
        {
            LogMalformedRequest(id, clientId, _remote, apiName, apiVersion, ex.Message);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not IOException and not SocketException)
        {
            LogHandlerFailed(ex, id, clientId, _remote, apiName, apiVersion);
            return false;
        }
    }

    private async ValueTask SendAsync(
        NetworkStream stream, KafkaWriter response, int sizeAt, CancellationTokenSource stall, CancellationToken cancellationToken)
    {
        response.PatchInt32(sizeAt, response.Length - 4);
        stall.CancelAfter(stallTimeout);
        await stream.WriteAsync(response.WrittenMemory, cancellationToken);
        stall.CancelAfter(Timeout.InfiniteTimeSpan);
        metrics.BytesOut(response.Length);
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened from {RemoteEndPoint}")]
    private partial void LogConnectionOpened(long connectionId, EndPoint? remoteEndPoint);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {RemoteEndPoint} closed")]
    private partial void LogConnectionClosed(long connectionId, EndPoint? remoteEndPoint);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Closing connection {ConnectionId} from {RemoteEndPoint}: request frame size {FrameSize} is outside " +
            "10..{MaxRequestBytes} bytes (raise --message-max-bytes if the client sends bigger requests)")]
    private partial void LogBadFrameSize(long connectionId, EndPoint? remoteEndPoint, int frameSize, int maxRequestBytes);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "Closing connection {ConnectionId} from {RemoteEndPoint}: the client sent a truncated request frame")]
    private partial void LogTruncatedFrame(long connectionId, EndPoint? remoteEndPoint);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {RemoteEndPoint} failed: {Reason}")]
    private partial void LogConnectionFailed(long connectionId, EndPoint? remoteEndPoint, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning,
        Message = "Closing connection {ConnectionId} of client {ClientId} from {RemoteEndPoint}: " +
            "unsupported API {ApiName} (key {ApiKey}) version {ApiVersion}")]
    private partial void LogUnsupportedApi(long connectionId, string? clientId, EndPoint? remoteEndPoint, string apiName,
        short apiKey, short apiVersion);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning,
        Message = "Closing connection {ConnectionId} of client {ClientId} from {RemoteEndPoint}: " +
            "malformed {ApiName} v{ApiVersion} request ({Reason})")]
    private partial void LogMalformedRequest(long connectionId, string? clientId, EndPoint? remoteEndPoint, string apiName,
        short apiVersion, string reason);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error,
        Message = "Closing connection {ConnectionId} of client {ClientId} from {RemoteEndPoint}: {ApiName} v{ApiVersion} handler failed")]
    private partial void LogHandlerFailed(Exception exception, long connectionId, string? clientId, EndPoint? remoteEndPoint,
        string apiName, short apiVersion);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning,
        Message = "Closing connection {ConnectionId} from {RemoteEndPoint}: the client sent part of a request " +
            "or stopped reading responses for {StallTimeoutMs} ms")]
    private partial void LogClientStalled(long connectionId, EndPoint? remoteEndPoint, long stallTimeoutMs);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug,
        Message = "Connection {ConnectionId}: ApiVersions v{ApiVersion} answered with UNSUPPORTED_VERSION and our ranges")]
    private partial void LogApiVersionsDowngrade(long connectionId, short apiVersion);
}
