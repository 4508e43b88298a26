using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Topics;

namespace AspirePipeline.Broker.Apis;

/// <summary>DeleteTopics v0-3: removes the topics and their logs for good.</summary>
internal sealed class DeleteTopicsHandler(TopicRegistry topics) : IApiHandler
{
    public ApiKey Key => ApiKey.DeleteTopics;

    public short MinVersion => 0;

    public short MaxVersion => 3;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var names = new string[body.ReadArrayCount(minElementSize: 2)];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = body.ReadString();
        }

        _ = body.ReadInt32();
        if (request.ApiVersion >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt32(names.Length);
        foreach (var name in names)
        {
            response.WriteString(name);
            response.WriteInt16(topics.Delete(name));
        }

        return ValueTask.FromResult(true);
    }
}
