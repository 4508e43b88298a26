namespace AspirePipeline.Frames;

/// <summary>What a JPEG's frame header (SOF) says: the picture's size and number of colour components.</summary>
public readonly record struct JpegInfo(int Width, int Height, int Components);

/// <summary>
/// Checks a JPEG without decoding it: SOI at the start, EOI at the end, and a readable SOF header before the first
/// scan. Enough to publish a camera's own JPEG with correct headers and to refuse one that is cut off or garbled.
/// </summary>
public static class JpegHeader
{
    private const byte Marker = 0xFF;
    private const byte StartOfImage = 0xD8;
    private const byte EndOfImage = 0xD9;
    private const byte StartOfScan = 0xDA;

    /// <summary>True and the header's figures for a well-formed JPEG; false and what is wrong otherwise.</summary>
    public static bool TryRead(ReadOnlySpan<byte> jpeg, out JpegInfo info, out string problem)
    {
        info = default;
        if (jpeg.Length < 4 || jpeg[0] != Marker || jpeg[1] != StartOfImage)
        {
            problem = $"it does not start with a JPEG start-of-image marker (FF D8); first bytes {Hex(jpeg)}";
            return false;
        }
        if (jpeg[^2] != Marker || jpeg[^1] != EndOfImage)
        {
            problem = "it does not end with the end-of-image marker (FF D9): the frame is cut off";
            return false;
        }
        var at = 2;
        while (at + 4 <= jpeg.Length)
        {
            if (jpeg[at] != Marker)
            {
                problem = $"byte {at} is 0x{jpeg[at]:X2} where a marker (FF xx) belongs: the header is garbled";
                return false;
            }
            var marker = jpeg[at + 1];
            if (marker == Marker)
            {
                at++; // fill byte
                continue;
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2; // markers without a length
                continue;
            }
            var length = (jpeg[at + 2] << 8) | jpeg[at + 3];
            if (length < 2 || at + 2 + length > jpeg.Length)
            {
                problem = $"the segment of marker FF {marker:X2} at byte {at} claims {length} bytes, past the end of the frame";
                return false;
            }
            if (IsStartOfFrame(marker))
            {
                if (length < 8)
                {
                    problem = $"its SOF header (FF {marker:X2}) is {length} bytes, too short to hold the picture size";
                    return false;
                }
                var height = (jpeg[at + 5] << 8) | jpeg[at + 6];
                var width = (jpeg[at + 7] << 8) | jpeg[at + 8];
                var components = jpeg[at + 9];
                if (width == 0 || height == 0 || width > FrameMetadata.MaxDimension || height > FrameMetadata.MaxDimension)
                {
                    problem = $"its SOF header claims {width}x{height} pixels (1..{FrameMetadata.MaxDimension} each expected)";
                    return false;
                }
                if (components is not (1 or 3))
                {
                    problem = $"its SOF header claims {components} colour components; only gray (1) and colour (3) JPEGs are published";
                    return false;
                }
                info = new JpegInfo(width, height, components);
                problem = "";
                return true;
            }
            if (marker is StartOfScan or EndOfImage)
            {
                break;
            }
            at += 2 + length;
        }
        problem = "it has no SOF header (picture size) before its image data";
        return false;
    }

    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    private static string Hex(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 0 ? "(none)" : Convert.ToHexString(bytes[..Math.Min(bytes.Length, 4)]);
}
