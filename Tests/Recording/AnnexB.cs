namespace AspirePipeline.Tests.Recording;

/// <summary>The NAL units of an Annex B byte stream (H.264 or H.265), split at their start codes.</summary>
internal static class AnnexB
{
    /// <summary>Each NAL unit without its start code (and without the zero bytes a four-byte start code adds).</summary>
    public static List<byte[]> NalUnits(ReadOnlySpan<byte> stream)
    {
        var units = new List<byte[]>();
        var start = -1;
        for (var index = 0; index + 2 < stream.Length; index++)
        {
            if (stream[index] != 0 || stream[index + 1] != 0 || stream[index + 2] != 1)
            {
                continue;
            }
            if (start >= 0)
            {
                units.Add(Trimmed(stream[start..index]));
            }
            start = index + 3;
            index += 2;
        }
        if (start >= 0 && start < stream.Length)
        {
            units.Add(Trimmed(stream[start..]));
        }
        return units;
    }

    /// <summary>H.264's nal_unit_type (5 bits).</summary>
    public static int H264Type(byte[] unit) => unit[0] & 0x1F;

    /// <summary>H.265's nal_unit_type (6 bits after the forbidden bit).</summary>
    public static int HevcType(byte[] unit) => (unit[0] >> 1) & 0x3F;

    /// <summary>Slices: the coded picture data (H.264 types 1-5; H.265 types 0-31, the VCL units).</summary>
    public static bool IsSlice(byte[] unit, bool hevc) => hevc ? HevcType(unit) < 32 : H264Type(unit) is >= 1 and <= 5;

    // Zero bytes after a NAL unit belong to none (a four-byte start code's first byte, trailing_zero_8bits).
    private static byte[] Trimmed(ReadOnlySpan<byte> unit)
    {
        var end = unit.Length;
        while (end > 0 && unit[end - 1] == 0)
        {
            end--;
        }
        return unit[..end].ToArray();
    }
}
