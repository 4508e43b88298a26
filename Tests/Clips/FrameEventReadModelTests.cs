using System.Text.Json;
using AspirePipeline.Clips.Events;
using AspirePipeline.FrameProcessing.Analysis;
using AspirePipeline.FrameProcessing.Reporting;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Clips;

/// <summary>Clips' own read model of an events record reads what the consumers write, so neither drifts from the other.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class FrameEventReadModelTests
{
    [Fact]
    public void A_record_the_consumers_write_is_read_with_its_type_camera_group_and_capture_time()
    {
        var captured = new DateTimeOffset(2026, 12, 7, 14, 30, 15, 500, TimeSpan.Zero);
        var written = new FrameEventRecord(PeopleDetector.PersonAppeared, "door", "consumerGroup_people", PeopleDetector.AnalyzerName, "host-1",
            42, 1, 420, captured, captured.AddMilliseconds(80), [new Detection(1, 2, 30, 60, 0.9)]);

        var read = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(written, FrameProcessingJsonContext.Default.FrameEventRecord),
            ClipsJsonContext.Default.FrameEvent);

        Assert.Equal(new FrameEvent(PeopleDetector.PersonAppeared, "door", "consumerGroup_people", PeopleDetector.AnalyzerName, captured), read);
        Assert.Equal(PeopleDetector.PersonAppeared, FrameEvent.PersonAppeared);
    }
}
