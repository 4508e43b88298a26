using AspirePipeline.Contracts;
using AspirePipeline.Frames;
using AspirePipeline.Producer.Sources;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Producer;

/// <summary>Checks what data annotations cannot: the camera list, URLs, sizes and delays taken together.</summary>
internal sealed class ProducerOptionsValidator : IValidateOptions<ProducerOptions>
{
    public ValidateOptionsResult Validate(string? name, ProducerOptions options)
    {
        var failures = new List<string>();
        var cameras = options.EffectiveCameras;
        if (cameras.Count == 0)
        {
            failures.Add("No camera configured: set Producer:Camera:Url (e.g. rtsp://127.0.0.1:8554/camera or "
                + "synthetic://?width=1280&height=720&fps=30) or Producer:Cameras:0:Id and Producer:Cameras:0:Url.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var entries = options.Cameras.Select((camera, index) => (Path: $"Producer:Cameras:{index}", Camera: camera)).ToList();
        if (options.Camera is { Url.Length: > 0 })
        {
            entries.Add(("Producer:Camera", cameras[^1]));
        }
        foreach (var (path, camera) in entries)
        {
            if (string.IsNullOrWhiteSpace(camera.Id))
            {
                failures.Add($"{path}:Id is empty; give each camera a unique id (it becomes the Kafka key).");
            }
            else if (!ids.Add(camera.Id))
            {
                failures.Add($"{path}:Id '{camera.Id}' is used by two cameras; ids must be unique.");
            }
            if (FrameSources.Describe(camera.Url) is { } problem)
            {
                failures.Add($"{path}:Url {problem}");
            }
            if (camera.Width is { } width && width is <= 0 or > FrameMetadata.MaxDimension)
            {
                failures.Add($"{path}:Width is {width}; it must be within 1..{FrameMetadata.MaxDimension}.");
            }
            if (camera.Height is { } height && height is <= 0 or > FrameMetadata.MaxDimension)
            {
                failures.Add($"{path}:Height is {height}; it must be within 1..{FrameMetadata.MaxDimension}.");
            }
            if (camera.Height.HasValue && !camera.Width.HasValue)
            {
                failures.Add($"{path}:Height is set without Width: set Width (alone, the height follows the camera's aspect ratio) or both.");
            }
            if (camera.Width.HasValue && !camera.Height.HasValue && !FrameSources.ReadsThroughFfmpeg(camera.Url))
            {
                failures.Add($"{path}:Width is set without Height: only cameras read through ffmpeg keep their aspect ratio; set both.");
            }
            if (camera.Record && !FrameSources.ReadsThroughFfmpeg(camera.Url))
            {
                failures.Add($"{path}:Record is true, but only cameras read through ffmpeg ({CameraSourceKinds.SchemeList} URLs) are "
                    + $"recorded: their own stream is copied as sent. Set {path}:Record=false for this camera.");
            }
            if (camera.Fps is { } fps && fps is <= 0 or > 240)
            {
                failures.Add($"{path}:Fps is {fps}; it must be within 1..240.");
            }
        }

        if (!Enum.IsDefined(options.Encoding))
        {
            failures.Add($"Producer:Encoding is {options.Encoding}; use Jpeg, RawBgr or SeedJson.");
        }
        if (!Enum.IsDefined(options.JpegEncoder))
        {
            failures.Add($"Producer:JpegEncoder is {options.JpegEncoder}; use Ffmpeg or OpenCv.");
        }
        if (options.ReconnectMaxDelay < options.ReconnectInitialDelay)
        {
            failures.Add("Producer:ReconnectMaxDelay is shorter than Producer:ReconnectInitialDelay.");
        }

        // What the machine must provide, checked with the configuration so a missing package stops the start.
        if (NativeDependencies.DescribeOpenCvProblem() is { } openCv)
        {
            failures.Add(openCv);
        }
        if (cameras.Any(camera => FrameSources.ReadsThroughFfmpeg(camera.Url))
            && NativeDependencies.DescribeMissingProgram(FfmpegSource.Program, "ffmpeg", "the PATH of the producer") is { } ffmpeg)
        {
            failures.Add($"The cameras are read with ffmpeg, but {ffmpeg}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
