namespace AspirePipeline.FrameProcessing.Reporting;

/// <summary>Who is processing: the consumer group, the analyzer it runs and this process among the group's replicas.</summary>
public sealed record ConsumerIdentity(string GroupId, string Analyzer, string InstanceId, string Topic);
