using AspirePipeline.Contracts.Scene;
using Microsoft.Extensions.Configuration;

namespace AspirePipeline.Tests.Scene;

/// <summary>
/// A camera's scene read by the reader the AppHost and the groups use (<see cref="SceneConfiguration.Read"/>: the strict
/// binder, then <see cref="CameraScene.Read"/>), from a configuration of given keys.
/// </summary>
internal static class ConfiguredScene
{
    /// <summary>The camera entry the tests configure, as in the AppHost: <c>Cameras:footage</c>.</summary>
    public const string Entry = "Cameras:footage";

    /// <summary>
    /// The scene of <paramref name="settings"/>, each <c>key=value</c> with keys relative to <paramref name="path"/>
    /// (<c>Zones:plaza:Points:0=0.3,0.55</c>).
    /// </summary>
    public static CameraScene Read(IEnumerable<string> settings, string path = Entry) =>
        Read(settings.Select(setting => setting.Split('=', 2)).Select(pair => KeyValuePair.Create($"{path}:{pair[0]}", pair[1])), path);

    /// <summary>The scene under <paramref name="path"/> of a configuration holding exactly <paramref name="values"/>.</summary>
    public static CameraScene Read(IEnumerable<KeyValuePair<string, string>> values, string path)
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value)))
            .Build()
            .GetSection(path);
        return SceneConfiguration.Read(section);
    }
}
