using AspirePipeline.Broker.Protocol;

namespace AspirePipeline.Broker.Apis;

/// <summary>
/// Every <see cref="IApiHandler"/> registered in DI, indexed by API key; ApiVersions advertises exactly these (so the
/// group coordinator's handlers appear as soon as they are registered).
/// </summary>
internal sealed class ApiRegistry
{
    private const int KeySpace = 128;
    private static readonly string[] Names = BuildNames();
    private readonly IApiHandler?[] _handlers = new IApiHandler?[KeySpace];

    public ApiRegistry(IEnumerable<IApiHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            var key = (short)handler.Key;
            if (key is < 0 or >= KeySpace || _handlers[key] is not null)
            {
                throw new InvalidOperationException(
                    $"API handler {handler.GetType().Name} for key {key} is a duplicate or out of range: register one handler per API key.");
            }

            _handlers[key] = handler;
        }

        ApiVersions = new ApiVersionsHandler(this);
        _handlers[(short)ApiKey.ApiVersions] = ApiVersions;
    }

    internal ApiVersionsHandler ApiVersions { get; }

    public IApiHandler? Find(short apiKey) => apiKey is >= 0 and < KeySpace ? _handlers[apiKey] : null;

    /// <summary>Registered handlers in key order (what ApiVersions advertises).</summary>
    public IEnumerable<IApiHandler> Handlers
    {
        get
        {
            foreach (var handler in _handlers)
            {
                if (handler is not null)
                {
                    yield return handler;
                }
            }
        }
    }

    /// <summary>Cached API names for logs and metric tags (no per-request string formatting).</summary>
    public static string NameOf(short apiKey) =>
        apiKey is >= 0 and < KeySpace ? Names[apiKey] : "Unknown";

    private static string[] BuildNames()
    {
        var names = new string[KeySpace];
        for (short i = 0; i < KeySpace; i++)
        {
            names[i] = Enum.IsDefined((ApiKey)i) ? ((ApiKey)i).ToString() : $"Api{i}";
        }

        return names;
    }
}
