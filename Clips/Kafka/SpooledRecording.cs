namespace AspirePipeline.Clips.Kafka;

/// <summary>
/// A camera's messages read for one clip: their packets in a temporary file (deleted when disposed, also if the
/// process dies while it is open) and each message's place in it, in the order read.
/// </summary>
internal sealed class SpooledRecording : IDisposable
{
    private readonly List<SpooledUnit> _units = [];

    private SpooledRecording(FileStream file) => File = file;

    /// <summary>The packets, one message after the other.</summary>
    public FileStream File { get; }

    public IReadOnlyList<SpooledUnit> Units => _units;

    /// <summary>The camera's recording went past <c>to</c> while it was read (else the wait ended first).</summary>
    public bool PassedTo { get; set; }

    /// <summary>Messages of other cameras read and passed over, for the log.</summary>
    public long OtherMessages { get; set; }

    public static SpooledRecording Create(string directory) =>
        new(new FileStream(Path.Combine(directory, $"clip-{Guid.NewGuid():N}.ts"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, bufferSize: 1 << 16, FileOptions.DeleteOnClose));

    public void Append(int partition, long offset, long timestampMs, DateTimeOffset captureTime, bool keyframe, byte[] packets)
    {
        _units.Add(new SpooledUnit(partition, offset, timestampMs, captureTime, keyframe, File.Position, packets.Length));
        File.Write(packets);
    }

    public void Dispose() => File.Dispose();
}
