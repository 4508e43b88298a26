using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Clips.Remux;

/// <summary>Unhealthy when the ffmpeg that remuxes clips is gone (checked at start too, by the options' validation).</summary>
internal sealed class FfmpegHealthCheck(IOptions<ClipsOptions> options) : IHealthCheck
{
    public const string Name = "ffmpeg";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var program = options.Value.Ffmpeg;
        return Task.FromResult(FfmpegProgram.DescribeMissing(program) is { } missing
            ? new HealthCheckResult(context.Registration.FailureStatus, missing)
            : HealthCheckResult.Healthy($"{program} is there to remux clips."));
    }
}
