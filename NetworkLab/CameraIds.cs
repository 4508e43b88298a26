using System.Globalization;
using System.Text;

namespace AspirePipeline.NetworkLab;

/// <summary>
/// Camera ids that spread the frames over every partition of the frames topic, so each analysis host has frames to
/// analyse: the producer keys each frame by its camera, and librdkafka's default partitioner (<c>consistent_random</c>)
/// puts a key on partition CRC-32(key) mod partitions. Of <c>cam-1</c>, <c>cam-2</c>, ... a name is taken when its
/// partition has no more cameras than any other.
/// </summary>
internal static class CameraIds
{
    private const int Tries = 10_000;

    public static IReadOnlyList<(string Id, int Partition)> Spread(int cameras, int partitions)
    {
        var perPartition = new int[partitions];
        var chosen = new List<(string Id, int Partition)>(cameras);
        for (var n = 1; chosen.Count < cameras && n <= Tries; n++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"cam-{n}");
            var partition = (int)(Crc32(Encoding.UTF8.GetBytes(id)) % (uint)partitions);
            if (perPartition[partition] == perPartition.Min())
            {
                perPartition[partition]++;
                chosen.Add((id, partition));
            }
        }
        return chosen;
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected, as zlib's and librdkafka's <c>rd_crc32</c>).</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var value in data)
        {
            crc ^= value;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
            }
        }
        return ~crc;
    }
}
