using System.ComponentModel.DataAnnotations;

namespace AspirePipeline.Broker.Storage;

/// <summary>Settings of the file-backed log store (<see cref="FileLogStore"/>).</summary>
internal sealed class FileLogStoreOptions
{
    public const string SectionName = "Broker:Storage";

    /// <summary>Folder holding one sub-folder per partition (<c>&lt;topic&gt;-&lt;partition&gt;</c>) and the committed offsets.</summary>
    [Required]
    public string DataDirectory { get; set; } = "";

    /// <summary>A segment file is rolled once the next batch would take it past this size (default 64 MiB).</summary>
    [Range(4096, 1 << 30)]
    public int SegmentBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>One sparse index entry per this many bytes of batches; smaller means fewer header reads per fetch.</summary>
    [Range(64, 1 << 24)]
    public int IndexIntervalBytes { get; set; } = 4096;

    /// <summary>
    /// 0 (default): appends reach the operating system with one write per batch, so a process crash (kill -9) loses
    /// nothing acknowledged, but a power loss can lose what the kernel had not yet written back.
    /// Above 0: every this many milliseconds the active segments and the offsets file are fsynced, bounding what a
    /// power loss can take to that window (plus rolled segments are fsynced when they close).
    /// </summary>
    [Range(0, 3_600_000)]
    public int FlushIntervalMs { get; set; }
}
