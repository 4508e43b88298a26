using AspirePipeline.Clips;
using AspirePipeline.Clips.Kafka;
using AspirePipeline.Clips.Remux;
using AspirePipeline.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Tests.Clips;

/// <summary>The remuxer's child process: a cancelled clip (the client left) does not leave it running.</summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
public sealed class FfmpegRemuxerTests
{
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task A_cancelled_remux_kills_the_ffmpeg_it_started()
    {
        var directory = Directory.CreateTempSubdirectory("clips-remux-");
        try
        {
            // An "ffmpeg" that never reads its input, so the remux is still writing to it when the request goes away.
            var pidFile = Path.Combine(directory.FullName, "pid");
            var program = Path.Combine(directory.FullName, "ffmpeg");
            await File.WriteAllTextAsync(program, $"#!/bin/sh\necho $$ > '{pidFile}'\nexec sleep 120\n");
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var remuxer = new FfmpegRemuxer(Options.Create(new ClipsOptions { Ffmpeg = program, TempDirectory = directory.FullName }),
                NullLogger<FfmpegRemuxer>.Instance);
            using var spool = SpooledRecording.Create(directory.FullName);
            for (var unit = 0; unit < 64; unit++)
            {
                spool.Append(0, unit, unit, DateTimeOffset.UnixEpoch, unit == 0, new byte[188 * 100]);
            }
            using var leave = new CancellationTokenSource();

            var remux = remuxer.RemuxAsync("cam-a", spool.File, spool.Units, leave.Token);
            var pid = 0;
            await Poll.UntilAsync(() => File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile), out pid), TimeSpan.FromSeconds(20),
                () => "the stand-in ffmpeg writing its process id");
            Assert.False(remux.IsCompleted, "The remux finished although its ffmpeg read nothing.");
            await leave.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => remux);
            await Poll.UntilAsync(() => !Directory.Exists($"/proc/{pid}"), TimeSpan.FromSeconds(10), () => $"process {pid} gone");
            Assert.Empty(directory.GetFiles("*.mp4"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
