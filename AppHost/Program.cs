using AspirePipeline.AppHost;
using AspirePipeline.Contracts;
using AspirePipeline.Hosting.Camera;
using AspirePipeline.Hosting.Kafka;

var builder = DistributedApplication.CreateBuilder(args);
var pipeline = PipelineOptions.From(builder.Configuration);
builder.AddDockerComposePublishing();

// Kafka:Mode, with Auto resolved here: an existing cluster, the Apache Kafka container, or our broker without containers.
var kafka = builder.AddKafka<Projects.Broker>(ConnectionNames.Kafka, builder.ChooseKafkaMode(ConnectionNames.Kafka))
    .WithDataVolume()
    .WithTopic(pipeline.FramesTopic, pipeline.Partitions, pipeline.MaxMessageBytes, pipeline.FramesRetention.ToTopicRetention())
    .WithTopic(pipeline.AnalysisTopic, pipeline.Partitions, retention: pipeline.ResultsRetention.ToTopicRetention())
    .WithTopic(pipeline.EventsTopic, pipeline.Partitions, retention: pipeline.ResultsRetention.ToTopicRetention())
    .WithTopic(pipeline.VideoTopic, pipeline.Partitions, pipeline.MaxMessageBytes, pipeline.VideoRetention.ToTopicRetention())
    .WithTopic(pipeline.DeadLetterTopic, partitions: 1, pipeline.MaxMessageBytes, pipeline.ResultsRetention.ToTopicRetention())
    .WithKafkaUI();

// One resource per entry of Cameras: real RTSP cameras or simulators (test pattern or a recorded video).
var cameras = builder.AddCameras();

builder.AddProject<Projects.Producer>("producer")
    .WithReference(kafka).WaitFor(kafka)
    .WithCameras(cameras)
    .WithEnvironment(ServiceEnvironment.Producer.Topic, pipeline.FramesTopic)
    .WithFrameEncoding(pipeline.FrameEncoding)
    .WithServiceEndpoints()
    .WithHttpHealthCheck("/health");

// Clips of the recordings by time and by event, remuxed from frames.video (Clips/README.md).
var clips = builder.AddClips(pipeline, kafka);

// One resource per entry of Pipeline:Groups: each group sees every frame; its replicas split the partitions. Each gets
// the zones, lines and motion masks (Cameras:{id}:Zones, :Lines, :MotionMasks) of the cameras it watches.
foreach (var (name, group) in pipeline.EnabledGroups)
{
    builder.AddConsumerGroup(name, group, pipeline, kafka, clips, cameras);
}

builder.Build().Run();
