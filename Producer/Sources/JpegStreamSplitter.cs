namespace AspirePipeline.Producer.Sources;

/// <summary>
/// Cuts a stream of concatenated JPEGs (ffmpeg's <c>-c:v copy -f mjpeg</c> output) into pieces, one per JPEG, by
/// walking the markers: the header segments by their lengths, the entropy-coded data up to the next marker that is not
/// a stuffed byte or a restart marker. Bytes that do not form a whole JPEG (a frame cut off by a new start-of-image,
/// garbage between frames, an endless frame) come out as pieces of their own, so the publisher's check refuses and
/// counts them instead of them vanishing or corrupting the next frame. (A frame cut off inside its header segments
/// may take the next frame with it: header lengths are trusted, as a start-of-image inside a header, e.g. an EXIF
/// thumbnail, is legitimate. Both are then refused as one broken piece and the stream resynchronises after it.)
/// </summary>
internal sealed class JpegStreamSplitter(Stream input, int maxFrameBytes = JpegStreamSplitter.DefaultMaxFrameBytes)
{
    /// <summary>Far above any camera's JPEG (8K at high quality is a few MB); beyond it the bytes are not a frame.</summary>
    public const int DefaultMaxFrameBytes = 32 * 1024 * 1024;

    private const int ReadSize = 256 * 1024;

    private static ReadOnlySpan<byte> StrayEndOfImage => [0xFF, 0xD9];

    private byte[] _buffer = new byte[ReadSize * 2];
    private int _start;
    private int _end;
    private bool _ended;

    /// <summary>The next piece (normally one whole JPEG), exactly sized; null once the stream ended and all was handed out.</summary>
    public byte[]? ReadNext()
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            // ffmpeg's RTP JPEG depacketiser appends an end-of-image to frames that already end with one (GStreamer's
            // payloader sends it): a lone FF D9 between frames is that duplicate, not a broken frame.
            if (pending.StartsWith(StrayEndOfImage))
            {
                _start += StrayEndOfImage.Length;
                continue;
            }
            var length = Scan(pending, _ended);
            if (length == 0 && pending.Length >= maxFrameBytes)
            {
                length = pending.Length; // no end in sight: hand it over as a broken piece
            }
            if (length > 0)
            {
                var piece = pending[..length].ToArray();
                _start += length;
                return piece;
            }
            if (_ended)
            {
                return null;
            }
            Fill();
        }
    }

    /// <summary>Reads more of the stream, making room first (moving what is pending to the front, or growing).</summary>
    private void Fill()
    {
        var pending = _end - _start;
        if (_buffer.Length - _end < ReadSize)
        {
            var target = pending + ReadSize > _buffer.Length ? new byte[Math.Max(_buffer.Length * 2, pending + ReadSize)] : _buffer;
            Buffer.BlockCopy(_buffer, _start, target, 0, pending);
            _buffer = target;
            _start = 0;
            _end = pending;
        }
        var read = input.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _ended = true;
        }
        _end += read;
    }

    /// <summary>
    /// The length of the first piece of <paramref name="data"/>: a whole JPEG, or bytes that are not one (up to the
    /// next start-of-image); 0 when more data is needed to tell. At the end of the stream what is left is one piece.
    /// </summary>
    internal static int Scan(ReadOnlySpan<byte> data, bool atEnd)
    {
        if (data.Length == 0)
        {
            return 0;
        }
        var needMore = atEnd ? data.Length : 0;
        if (data.Length < 2)
        {
            return needMore;
        }
        if (data[0] != 0xFF || data[1] != 0xD8)
        {
            return Broken(data, 1, atEnd);
        }
        var at = 2;
        while (true)
        {
            if (at + 2 > data.Length)
            {
                return needMore;
            }
            if (data[at] != 0xFF)
            {
                return Broken(data, at, atEnd);
            }
            var marker = data[at + 1];
            switch (marker)
            {
                case 0xFF:
                    at++;
                    continue;
                case 0xD9:
                    return at + 2;
                case 0xD8:
                    return at; // a new image began before this one ended: this one is cut off
                case 0x01 or (>= 0xD0 and <= 0xD7):
                    at += 2;
                    continue;
            }
            if (at + 4 > data.Length)
            {
                return needMore;
            }
            var length = (data[at + 2] << 8) | data[at + 3];
            if (length < 2)
            {
                return Broken(data, at, atEnd);
            }
            at += 2 + length;
            if (marker != 0xDA)
            {
                continue;
            }
            // Entropy-coded data: FF 00 is a stuffed FF, FF D0..D7 a restart marker; any other FF xx ends it.
            while (true)
            {
                if (at >= data.Length)
                {
                    return needMore;
                }
                var ff = data[at..].IndexOf((byte)0xFF);
                if (ff < 0 || at + ff + 1 >= data.Length)
                {
                    return needMore;
                }
                at += ff;
                var next = data[at + 1];
                if (next == 0x00 || next is >= 0xD0 and <= 0xD7)
                {
                    at += 2;
                    continue;
                }
                if (next == 0xFF)
                {
                    at++;
                    continue;
                }
                break;
            }
        }
    }

    /// <summary>A garbled JPEG: everything up to the next start-of-image is one broken piece.</summary>
    private static int Broken(ReadOnlySpan<byte> data, int from, bool atEnd) =>
        NextStartOfImage(data, from) is var next and > 0 ? next : atEnd ? data.Length : 0;

    private static int NextStartOfImage(ReadOnlySpan<byte> data, int from)
    {
        var found = data[from..].IndexOf([(byte)0xFF, (byte)0xD8, (byte)0xFF]);
        return found < 0 ? -1 : from + found;
    }
}
