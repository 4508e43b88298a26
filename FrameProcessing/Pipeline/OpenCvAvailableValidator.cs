using AspirePipeline.Frames;
using Microsoft.Extensions.Options;

namespace AspirePipeline.FrameProcessing.Pipeline;

/// <summary>Fails the start when OpenCV's native library cannot be loaded, with the Debian package to install.</summary>
internal sealed class OpenCvAvailableValidator : IValidateOptions<FrameProcessingOptions>
{
    public ValidateOptionsResult Validate(string? name, FrameProcessingOptions options) =>
        NativeDependencies.DescribeOpenCvProblem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
