using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using AspirePipeline.Clips.Kafka;
using AspirePipeline.Recording;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Clips.Remux;

/// <summary>
/// Turns a clip's access units (whole MPEG-TS packets, the first a keyframe's with PAT and PMT) into an MP4 without
/// re-encoding: <c>ffmpeg -f mpegts -i pipe:0 -c copy -movflags +faststart -f mp4 FILE</c>. A cancelled request kills
/// ffmpeg. The MP4 is a temporary file, deleted when the returned stream is closed.
/// </summary>
internal sealed partial class FfmpegRemuxer(IOptions<ClipsOptions> options, ILogger<FfmpegRemuxer> logger)
{
    private const int StderrCharsKept = 2000;
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    public async Task<FileStream> RemuxAsync(string camera, FileStream packets, IReadOnlyList<SpooledUnit> units,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var output = Path.Combine(settings.EffectiveTempDirectory, $"clip-{Guid.NewGuid():N}.mp4");
        using var process = Start(settings.Ffmpeg, output);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var handedOver = false;
        try
        {
            await using (cancellationToken.Register(() => Kill(process)))
            {
                try
                {
                    await WriteAsync(process.StandardInput.BaseStream, packets, units, cancellationToken);
                    process.StandardInput.Close();
                }
                catch (IOException exception) when (cancellationToken.IsCancellationRequested)
                {
                    // The pipe broke because the cancellation killed ffmpeg.
                    throw new OperationCanceledException("The clip was cancelled while ffmpeg remuxed it.", exception, cancellationToken);
                }
                catch (IOException)
                {
                    // ffmpeg stopped reading: its exit code and message below say why.
                }
                await process.WaitForExitAsync(cancellationToken);
            }
            var message = Tail(await stderr);
            if (process.ExitCode != 0 || !File.Exists(output))
            {
                LogRemuxFailed(camera, process.ExitCode, message);
                throw new ClipException(StatusCodes.Status500InternalServerError, Telemetry.ClipsTelemetry.OutcomeFailed, "Remux failed",
                    $"ffmpeg exited with {process.ExitCode} remuxing {units.Count} access units of camera {camera} into MP4: {message}");
            }
            var mp4 = new FileStream(output, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16,
                FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            handedOver = true;
            return mp4;
        }
        finally
        {
            if (!process.HasExited)
            {
                Kill(process);
            }
            if (!handedOver)
            {
                File.Delete(output);
            }
        }
    }

    private static async Task WriteAsync(Stream input, FileStream packets, IReadOnlyList<SpooledUnit> units, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            foreach (var unit in units)
            {
                packets.Position = unit.Position;
                for (var left = unit.Length; left > 0;)
                {
                    var read = await packets.ReadAsync(buffer.AsMemory(0, Math.Min(left, buffer.Length)), cancellationToken);
                    if (read == 0)
                    {
                        throw new EndOfStreamException($"The clip's spool file ended inside the message at offset {unit.Offset}.");
                    }
                    await input.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    left -= read;
                }
            }
            await input.FlushAsync(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Process Start(string program, string output)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = false,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-hide_banner", "-nostats", "-loglevel", "error", "-f", TransportStream.ContainerName,
            "-i", "pipe:0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", "-y", output])
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        }
        catch (Win32Exception exception)
        {
            throw new ClipException(StatusCodes.Status503ServiceUnavailable, Telemetry.ClipsTelemetry.OutcomeUnavailable, "ffmpeg missing",
                $"ffmpeg ({program}) could not be started ({exception.Message}): install the Debian package {FfmpegProgram.DebianPackage} "
                + $"(scripts/prerequisites.sh does), or set {FfmpegProgram.Setting} to its full path.", exception);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(KillWait);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string Tail(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length == 0 ? "(it printed nothing)" : trimmed.Length <= StderrCharsKept ? trimmed : "..." + trimmed[^StderrCharsKept..];
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "ffmpeg failed remuxing camera {Camera} (exit {ExitCode}): {Stderr}")]
    private partial void LogRemuxFailed(string camera, int exitCode, string stderr);
}
