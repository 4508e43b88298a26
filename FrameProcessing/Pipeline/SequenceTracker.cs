namespace AspirePipeline.FrameProcessing.Pipeline;

/// <summary>
/// Follows each camera's sequence numbers as this process sees them, to count frames that never arrived here (gaps)
/// and frames seen again (redelivery after a rebalance or restart, or a producer that restarted its count). Used
/// from the single processing loop only.
/// </summary>
internal sealed class SequenceTracker(int maxCameras = 1024)
{
    private readonly Dictionary<string, (long Sequence, int Partition)> _last = new(StringComparer.Ordinal);

    /// <summary>
    /// Records <paramref name="sequence"/> of <paramref name="cameraId"/>, read from <paramref name="partition"/>, and says
    /// how it follows the previous one.
    /// </summary>
    public SequenceStep Observe(string cameraId, long sequence, int partition = 0)
    {
        if (!_last.TryGetValue(cameraId, out var previous))
        {
            if (_last.Count >= maxCameras)
            {
                // Cameras are few; a flood of ids means garbage keys, so start over rather than grow.
                _last.Clear();
            }
            _last[cameraId] = (sequence, partition);
            return new SequenceStep(SequenceStepKind.First, 0);
        }

        var last = previous.Sequence;
        _last[cameraId] = (Math.Max(last, sequence), partition);
        return (sequence - last) switch
        {
            1 => new SequenceStep(SequenceStepKind.Next, 0),
            > 1 => new SequenceStep(SequenceStepKind.Gap, sequence - last - 1),
            _ => new SequenceStep(SequenceStepKind.Repeat, last - sequence + 1),
        };
    }

    /// <summary>
    /// The partition's offsets jumped forward (skip-to-newest, or frames another member of the group processed): the
    /// cameras last seen there start afresh, so the sequence gap the jump leaves is not counted as missing frames.
    /// </summary>
    public void ForgetPartition(int partition)
    {
        foreach (var (cameraId, last) in _last)
        {
            if (last.Partition == partition)
            {
                _last.Remove(cameraId);
            }
        }
    }
}

internal enum SequenceStepKind
{
    First,
    Next,
    Gap,
    Repeat,
}

/// <summary><see cref="Frames"/> = frames missing for a gap, or how far back a repeat went.</summary>
internal readonly record struct SequenceStep(SequenceStepKind Kind, long Frames);
