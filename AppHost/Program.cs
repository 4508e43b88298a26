using AspirePipeline.AppHost;
using AspirePipeline.Hosting.Camera;
using AspirePipeline.Hosting.Kafka;

var builder = DistributedApplication.CreateBuilder(args);
var pipeline = PipelineOptions.From(builder.Configuration);
builder.AddDockerComposePublishing();

var kafka = builder.AddKafka<Projects.Broker>("kafka")
    .WithDataVolume()
    .WithTopic(pipeline.FramesTopic, pipeline.Partitions, pipeline.MaxMessageBytes, pipeline.FramesRetention.ToTopicRetention())
    .WithTopic(pipeline.AnalysisTopic, pipeline.Partitions, retention: pipeline.ResultsRetention.ToTopicRetention())
    .WithTopic(pipeline.DeadLetterTopic, partitions: 1, pipeline.MaxMessageBytes, pipeline.ResultsRetention.ToTopicRetention())
    .WithKafkaUI();

var camera = builder.AddCamera("camera");

builder.AddProject<Projects.Producer>("producer")
    .WithReference(kafka).WaitFor(kafka)
    .WithCameras(camera, pipeline.Cameras)
    .WithEnvironment("Producer__Topic", pipeline.FramesTopic)
    .WithFrameEncoding(pipeline.FrameEncoding)
    .WithServiceEndpoints()
    .WithHttpHealthCheck("/health");

builder.AddFrameConsumer<Projects.Consumer>("consumer", pipeline.Consumer, pipeline, kafka);
builder.AddFrameConsumer<Projects.Consumer2>("consumer2", pipeline.Consumer2, pipeline, kafka);

builder.Build().Run();
