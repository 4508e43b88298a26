namespace AspirePipeline.Tests.Infrastructure;

/// <summary>Tests that start real processes (broker, ffmpeg, RTSP server, the AppHost) run one class at a time.</summary>
[CollectionDefinition("processes", DisableParallelization = true)]
public sealed class ProcessCollection;
