using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace AspirePipeline.Producer.Sources;

/// <summary>
/// Grows the kernel buffer of ffmpeg's stdout pipe. With Linux's default 64 KiB, a 720p BGR frame (2.7 MB) arrives in
/// ~42 pieces, each an epoll wake-up and a thread-pool hop in the producer; at 1 MiB it is about three.
/// </summary>
internal static partial class PipeCapacity
{
    // fcntl(2) F_SETPIPE_SZ. Unprivileged processes may go up to /proc/sys/fs/pipe-max-size (1 MiB by default).
    private const int SetPipeSize = 1031;
    public const int Preferred = 1024 * 1024;

    /// <summary>Returns the new capacity, or null where that is not possible (not Linux, not a pipe, above the limit).</summary>
    public static int? TryGrow(Stream stream, int bytes = Preferred)
    {
        if (!OperatingSystem.IsLinux() || stream is not PipeStream pipe)
        {
            return null;
        }
        var result = Fcntl((int)pipe.SafePipeHandle.DangerousGetHandle(), SetPipeSize, bytes);
        return result > 0 ? result : null;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int descriptor, int command, int argument);
}
