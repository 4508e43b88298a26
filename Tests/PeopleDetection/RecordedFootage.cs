using OpenCvSharp;

namespace AspirePipeline.Tests.PeopleDetection;

/// <summary>
/// Real footage for the people detector, from Debian's <c>opencv-doc</c> package (the OpenCV samples' data):
/// <c>vtest.avi</c>, 795 frames of pedestrians on a campus path, 768x576 at 10 fps.
/// </summary>
internal static class RecordedFootage
{
    private const string SampleDirectory = "/usr/share/doc/opencv-doc/examples/data";

    public static string Pedestrians => Require("vtest.avi");

    private static string Require(string name)
    {
        var path = Path.Combine(SampleDirectory, name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} is missing: install Debian's opencv-doc (apt-get install --no-install-recommends opencv-doc).", path);
        }
        return path;
    }

    /// <summary>
    /// Every <paramref name="every"/>-th frame of <paramref name="video"/>, <paramref name="count"/> of them, in BGR; the
    /// caller owns them.
    /// </summary>
    public static List<Mat> ReadFrames(string video, int count, int every)
    {
        using var capture = new VideoCapture(video);
        Assert.True(capture.IsOpened(), $"OpenCV cannot open {video}.");
        var frames = new List<Mat>(count);
        for (var index = 0; frames.Count < count; index++)
        {
            var frame = new Mat();
            if (!capture.Read(frame) || frame.Empty())
            {
                frame.Dispose();
                break;
            }
            if (index % every == 0)
            {
                frames.Add(frame);
            }
            else
            {
                frame.Dispose();
            }
        }
        Assert.True(frames.Count == count, $"Only {frames.Count} of {count} frames could be read from {video}.");
        return frames;
    }
}
