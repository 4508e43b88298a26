using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Apis;

/// <summary>ApiVersions v0-2: advertises every registered handler's version range.</summary>
internal sealed class ApiVersionsHandler(ApiRegistry registry) : IApiHandler
{
    public ApiKey Key => ApiKey.ApiVersions;

    public short MinVersion => 0;

    public short MaxVersion => 2;

    public ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        response.WriteInt16(ErrorCode.None);
        WriteRanges(response);
        if (request.ApiVersion >= 1)
        {
            response.WriteInt32(0);
        }

        return ValueTask.FromResult(true);
    }

    /// <summary>The v0-format body Kafka sends to an ApiVersions request newer than it speaks.</summary>
    public void WriteUnsupportedVersionResponse(KafkaWriter response)
    {
        response.WriteInt16(ErrorCode.UnsupportedVersion);
        WriteRanges(response);
    }

    private void WriteRanges(KafkaWriter response)
    {
        var countAt = response.ReserveInt32();
        var count = 0;
        foreach (var handler in registry.Handlers)
        {
            response.WriteInt16((short)handler.Key);
            response.WriteInt16(handler.MinVersion);
            response.WriteInt16(handler.MaxVersion);
            count++;
        }

        response.PatchInt32(countAt, count);
    }
}
