namespace AspirePipeline.Recording;

/// <summary>
/// Cuts a single-program MPEG transport stream (ffmpeg's <c>-c:v copy -f mpegts</c> of a camera) into its video access
/// units, each with the packets exactly as they came: nothing is dropped but null packets and bytes outside packet
/// sync, so the units' concatenation is the stream. Tables (PAT, PMT, SDT) go with the access unit that follows them.
/// A unit is one picture: a PES whose first slice does not start a picture (ffmpeg writes one PES per packet, and a
/// camera that repeats its parameter sets before every slice of a keyframe makes its parser cut the picture in two)
/// is kept with the picture it continues. A unit is complete when the next picture starts, so it is handed on one or
/// two PES late. Not thread-safe: one per stream.
/// </summary>
public sealed class TransportStreamSplitter
{
    private const int NoPid = -1;
    private const byte PmtTableId = 0x02;

    // Packets kept while no PMT has named the video (a stream that is not ffmpeg's, or joined mid-way): bounded.
    private const int MaxTableBytes = 1 << 20;

    // Enough of a PES's elementary stream to reach its first slice after delimiter, parameter sets and SEI.
    private const int PictureCheckBytes = 4096;

    private readonly byte[] _partial = new byte[TransportStream.PacketSize];
    private readonly MemoryStream _tables = new();
    private MemoryStream? _unit;
    private readonly MemoryStream _unitStream = new();
    private Held? _held;
    private bool _unitKeyframe;
    private long? _unitPts;
    private long _unitReceivedAt;
    private long _receivedAt;
    private int _partialLength;
    private int _pmtPid = NoPid;
    private int _videoPid = NoPid;

    /// <summary>The video stream's codec, once the PMT named it.</summary>
    public string? Codec { get; private set; }

    /// <summary>Bytes skipped to find packet sync again (a corrupt or misaligned stream), or video before the first unit start.</summary>
    public long SkippedBytes { get; private set; }

    /// <summary>The elementary stream type of a PMT whose video is not recorded (<see cref="VideoCodecs"/>), if one was seen.</summary>
    public byte? UnsupportedStreamType { get; private set; }

    /// <summary>Takes the next bytes of the stream; adds every access unit they complete to <paramref name="completed"/>.</summary>
    /// <param name="data">The bytes, in any pieces: a packet may straddle two writes.</param>
    /// <param name="completed">Where complete access units go.</param>
    /// <param name="receivedAt">When these bytes arrived (the caller's clock): an access unit keeps its first packet's.</param>
    public void Write(ReadOnlySpan<byte> data, ICollection<RecordedAccessUnit> completed, long receivedAt = 0)
    {
        ArgumentNullException.ThrowIfNull(completed);
        _receivedAt = receivedAt;
        while (!data.IsEmpty)
        {
            if (_partialLength == 0)
            {
                var sync = data.IndexOf(TransportStream.SyncByte);
                if (sync < 0)
                {
                    SkippedBytes += data.Length;
                    return;
                }
                SkippedBytes += sync;
                data = data[sync..];
                if (data.Length >= TransportStream.PacketSize)
                {
                    OnPacket(data[..TransportStream.PacketSize], completed);
                    data = data[TransportStream.PacketSize..];
                    continue;
                }
            }
            var taken = Math.Min(TransportStream.PacketSize - _partialLength, data.Length);
            data[..taken].CopyTo(_partial.AsSpan(_partialLength));
            _partialLength += taken;
            data = data[taken..];
            if (_partialLength == TransportStream.PacketSize)
            {
                _partialLength = 0;
                OnPacket(_partial, completed);
            }
        }
    }

    /// <summary>
    /// At the end of the stream, the access units not handed on yet, in order (none, one, or two when the last PES
    /// started a picture of its own). The last may be cut off if the stream was.
    /// </summary>
    public IReadOnlyList<RecordedAccessUnit> Complete()
    {
        var done = FinishPes();
        var last = _held?.Unit(Codec!);
        _held = null;
        return [.. new[] { done, last }.OfType<RecordedAccessUnit>()];
    }

    // The PES read so far joins the picture held, or starts the next one and hands the held picture on.
    private RecordedAccessUnit? FinishPes()
    {
        if (_unit is null || Codec is null)
        {
            _unit = null;
            return null;
        }
        var pes = new Held(_unit, _unitKeyframe, _unitPts, _unitReceivedAt);
        var startsPicture = StartsPicture(_unitStream.GetBuffer().AsSpan(0, (int)_unitStream.Length), Codec);
        _unit = null;
        _unitStream.SetLength(0);
        if (_held is not null && !startsPicture)
        {
            pes.Packets.WriteTo(_held.Packets);
            return null;
        }
        var done = _held?.Unit(Codec);
        _held = pes;
        return done;
    }

    private void OnPacket(ReadOnlySpan<byte> packet, ICollection<RecordedAccessUnit> completed)
    {
        var unitStart = (packet[1] & 0x40) != 0;
        var pid = ((packet[1] & 0x1F) << 8) | packet[2];
        if (pid == TransportStream.NullPid)
        {
            return;
        }
        var payload = Payload(packet, out var randomAccess);
        if (pid == _videoPid && _videoPid != NoPid)
        {
            if (unitStart)
            {
                if (FinishPes() is { } unit)
                {
                    completed.Add(unit);
                }
                _unit = new MemoryStream();
                _tables.WriteTo(_unit);
                _tables.SetLength(0);
                _unitKeyframe = randomAccess;
                _unitPts = PesPts(payload);
                _unitReceivedAt = _receivedAt;
            }
            if (_unit is null)
            {
                // The middle of a PES whose start was before this stream's first byte: not a whole access unit.
                SkippedBytes += packet.Length;
                return;
            }
            _unit.Write(packet);
            KeepForPictureCheck(payload, unitStart);
            return;
        }
        if (unitStart && pid == TransportStream.PatPid)
        {
            _pmtPid = PmtPidOf(payload) ?? _pmtPid;
        }
        else if (unitStart && pid == _pmtPid)
        {
            ReadPmt(payload);
        }
        // Tables and any other stream's packets: kept, with the access unit that follows.
        if (_tables.Length + packet.Length > MaxTableBytes)
        {
            SkippedBytes += _tables.Length;
            _tables.SetLength(0);
        }
        _tables.Write(packet);
    }

    // The elementary stream's first bytes of the PES, its header left out.
    private void KeepForPictureCheck(ReadOnlySpan<byte> payload, bool pesStart)
    {
        if (pesStart)
        {
            payload = payload.Length >= 9 && payload.Length >= 9 + payload[8] ? payload[(9 + payload[8])..] : [];
        }
        var room = PictureCheckBytes - (int)_unitStream.Length;
        if (room > 0)
        {
            _unitStream.Write(payload[..Math.Min(room, payload.Length)]);
        }
    }

    /// <summary>
    /// Whether the first slice in these elementary-stream bytes starts a picture (H.264: first_mb_in_slice is 0, a
    /// leading 1 bit; H.265: first_slice_segment_in_pic_flag). True when no slice is in them: nothing to continue.
    /// </summary>
    internal static bool StartsPicture(ReadOnlySpan<byte> stream, string codec)
    {
        var hevc = codec == VideoCodecs.Hevc;
        var headerBytes = hevc ? 2 : 1;
        for (var index = 0; index + 2 + headerBytes < stream.Length; index++)
        {
            if (stream[index] != 0 || stream[index + 1] != 0 || stream[index + 2] != 1)
            {
                continue;
            }
            var header = stream[index + 3];
            var type = hevc ? (header >> 1) & 0x3F : header & 0x1F;
            var slice = hevc ? type < 32 : type is >= 1 and <= 5;
            if (slice)
            {
                return (stream[index + 3 + headerBytes] & 0x80) != 0;
            }
            index += 2;
        }
        return true;
    }

    private static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> packet, out bool randomAccess)
    {
        randomAccess = false;
        var control = (packet[3] >> 4) & 0x3;
        var start = 4;
        if ((control & 0x2) != 0)
        {
            var length = packet[4];
            randomAccess = length > 0 && (packet[5] & 0x40) != 0;
            start = 5 + length;
        }
        return (control & 0x1) == 0 || start >= packet.Length ? [] : packet[start..];
    }

    // The first program's PMT PID, from a PAT section that starts in this packet.
    private static int? PmtPidOf(ReadOnlySpan<byte> payload)
    {
        if (!TrySection(payload, out var section))
        {
            return null;
        }
        for (var entry = 8; entry + 4 <= section.Length - 4; entry += 4)
        {
            var program = (section[entry] << 8) | section[entry + 1];
            if (program != 0)
            {
                return ((section[entry + 2] & 0x1F) << 8) | section[entry + 3];
            }
        }
        return null;
    }

    private void ReadPmt(ReadOnlySpan<byte> payload)
    {
        if (!TrySection(payload, out var section) || section[0] != PmtTableId || section.Length < 16)
        {
            return;
        }
        var programInfoLength = ((section[10] & 0x0F) << 8) | section[11];
        for (var entry = 12 + programInfoLength; entry + 5 <= section.Length - 4;)
        {
            var streamType = section[entry];
            var pid = ((section[entry + 1] & 0x1F) << 8) | section[entry + 2];
            var infoLength = ((section[entry + 3] & 0x0F) << 8) | section[entry + 4];
            if (VideoCodecs.FromStreamType(streamType) is { } codec)
            {
                _videoPid = pid;
                Codec = codec;
                return;
            }
            UnsupportedStreamType = streamType;
            entry += 5 + infoLength;
        }
    }

    // A PSI section that starts in this packet's payload and ends in it (ffmpeg's single-program tables do).
    private static bool TrySection(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> section)
    {
        section = default;
        if (payload.IsEmpty || 1 + payload[0] + 3 > payload.Length)
        {
            return false;
        }
        var table = payload[(1 + payload[0])..];
        var length = 3 + (((table[1] & 0x0F) << 8) | table[2]);
        if (length > table.Length || length < 12)
        {
            return false;
        }
        section = table[..length];
        return true;
    }

    // The PTS of a PES header (ISO 13818-1 2.4.3.7) at the start of this payload, if it has one.
    private static long? PesPts(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 14 || payload[0] != 0 || payload[1] != 0 || payload[2] != 1 || (payload[7] & 0x80) == 0)
        {
            return null;
        }
        var pts = payload[9..14];
        return ((long)((pts[0] >> 1) & 0x07) << 30) | ((long)pts[1] << 22) | ((long)(pts[2] >> 1) << 15)
            | ((long)pts[3] << 7) | ((long)pts[4] >> 1);
    }

    // A picture read whole but not handed on yet: a PES that continues it may still follow.
    private sealed class Held(MemoryStream packets, bool keyframe, long? pts, long receivedAt)
    {
        public MemoryStream Packets { get; } = packets;

        public RecordedAccessUnit Unit(string codec) => new(Packets.ToArray(), codec, keyframe, pts, receivedAt);
    }
}
