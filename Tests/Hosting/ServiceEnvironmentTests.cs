using AspirePipeline.Broker;
using AspirePipeline.Clips;
using AspirePipeline.Contracts;
using AspirePipeline.FrameProcessing;
using AspirePipeline.FrameProcessing.LiveView;
using AspirePipeline.KafkaClient;
using AspirePipeline.Producer;
using AspirePipeline.Tests.Infrastructure;
using Confluent.Kafka;

namespace AspirePipeline.Tests.Hosting;

/// <summary>
/// The environment variables the AppHost sets (<see cref="ServiceEnvironment"/>) are keys the services' options bind:
/// a renamed option fails here (or does not compile), instead of leaving a service with its default.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class ServiceEnvironmentTests
{
    public static TheoryData<string, string> Names => new()
    {
        { ServiceEnvironment.Producer.Topic, Key(ProducerOptions.SectionName, nameof(ProducerOptions.Topic)) },
        { ServiceEnvironment.Producer.Encoding, Key(ProducerOptions.SectionName, nameof(ProducerOptions.Encoding)) },
        { ServiceEnvironment.Producer.JpegEncoder, Key(ProducerOptions.SectionName, nameof(ProducerOptions.JpegEncoder)) },
        { ServiceEnvironment.Producer.Camera(3, ServiceEnvironment.Producer.CameraSettings.Id),
            Key(ProducerOptions.SectionName, nameof(ProducerOptions.Cameras), "3", nameof(CameraOptions.Id)) },
        { ServiceEnvironment.Producer.CameraSettings.Url, nameof(CameraOptions.Url) },
        { ServiceEnvironment.Producer.CameraSettings.Record, nameof(CameraOptions.Record) },
        { ServiceEnvironment.Producer.CameraSettings.Fps, nameof(CameraOptions.Fps) },
        { ServiceEnvironment.Producer.CameraSettings.Width, nameof(CameraOptions.Width) },
        { ServiceEnvironment.ConsumerGroup.GroupId,
            Key(KafkaConsumerSettings.SectionName, nameof(KafkaConsumerSettings.Config), nameof(ConsumerConfig.GroupId)) },
        { ServiceEnvironment.ConsumerGroup.Analyzer, Key(FrameProcessingOptions.SectionName, nameof(FrameProcessingOptions.Analyzer)) },
        { ServiceEnvironment.ConsumerGroup.FramesTopic, Key(FrameProcessingOptions.SectionName, nameof(FrameProcessingOptions.Topic)) },
        { ServiceEnvironment.ConsumerGroup.ResultsTopic, Key(FrameProcessingOptions.SectionName, nameof(FrameProcessingOptions.ResultsTopic)) },
        { ServiceEnvironment.ConsumerGroup.DeadLetterTopic, Key(FrameProcessingOptions.SectionName, nameof(FrameProcessingOptions.DeadLetterTopic)) },
        { ServiceEnvironment.ConsumerGroup.EventsTopic, Key(FrameProcessingOptions.SectionName, nameof(FrameProcessingOptions.EventsTopic)) },
        { ServiceEnvironment.ConsumerGroup.Fps, Key(FrameProcessingOptions.SectionName, nameof(FrameProcessingOptions.Fps)) },
        { ServiceEnvironment.ConsumerGroup.StartAt, Key(FrameProcessingOptions.SectionName, nameof(FrameProcessingOptions.StartAt)) },
        { ServiceEnvironment.ConsumerGroup.InstanceId, Key(FrameProcessingOptions.SectionName, nameof(FrameProcessingOptions.InstanceId)) },
        { ServiceEnvironment.ConsumerGroup.Camera(2), Key(FrameProcessingOptions.SectionName, nameof(FrameProcessingOptions.Cameras), "2") },
        { ServiceEnvironment.ConsumerGroup.HeaderlessCameraId, Key(HeaderlessFrameOptions.SectionName, nameof(HeaderlessFrameOptions.CameraId)) },
        { ServiceEnvironment.ConsumerGroup.ClipsUrl, Key(LiveViewOptions.SectionName, nameof(LiveViewOptions.ClipsUrl)) },
        { ServiceEnvironment.Clips.VideoTopic, Key(ClipsOptions.SectionName, nameof(ClipsOptions.VideoTopic)) },
        { ServiceEnvironment.Clips.EventsTopic, Key(ClipsOptions.SectionName, nameof(ClipsOptions.EventsTopic)) },
        { ServiceEnvironment.Broker.Host, Key(BrokerOptions.SectionName, nameof(BrokerOptions.Host)) },
        { ServiceEnvironment.Broker.Port, Key(BrokerOptions.SectionName, nameof(BrokerOptions.Port)) },
        { ServiceEnvironment.Broker.AdvertisedHost, Key(BrokerOptions.SectionName, nameof(BrokerOptions.AdvertisedHost)) },
        { ServiceEnvironment.Broker.DataDir, Key(BrokerOptions.SectionName, nameof(BrokerOptions.DataDir)) },
        { ServiceEnvironment.Broker.MessageMaxBytes, Key(BrokerOptions.SectionName, nameof(BrokerOptions.MessageMaxBytes)) },
        { ServiceEnvironment.Broker.DefaultPartitions, Key(BrokerOptions.SectionName, nameof(BrokerOptions.DefaultPartitions)) },
        { ServiceEnvironment.Broker.Prefix, BrokerOptions.SectionName + "__" },
        { ServiceEnvironment.ConnectionString(ConnectionNames.Kafka), "ConnectionStrings__kafka" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_variable_the_AppHost_sets_is_a_key_of_the_service_s_options(string variable, string optionsKey)
    {
        Assert.Equal(optionsKey, variable);
    }

    private static string Key(params string[] parts) => ServiceEnvironment.FromKey(string.Join(':', parts));
}
