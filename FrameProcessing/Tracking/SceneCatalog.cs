using AspirePipeline.Contracts.Scene;
using Microsoft.Extensions.Configuration;

namespace AspirePipeline.FrameProcessing.Tracking;

/// <summary>
/// The zones and lines of each camera this service watches, from <c>Scene:Cameras:{id}</c> (the AppHost carries them
/// there from <c>Cameras:{id}</c>), read and checked once at start: a bad one stops the start, naming its path.
/// </summary>
public sealed class SceneCatalog
{
    private readonly Dictionary<string, CameraScene> _scenes;

    public SceneCatalog(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _scenes = new Dictionary<string, CameraScene>(StringComparer.Ordinal);
        foreach (var camera in configuration.GetSection(CameraScene.ServiceSectionName).GetChildren())
        {
            _scenes[camera.Key] = SceneConfiguration.Read(camera);
        }
    }

    public SceneCatalog(IEnumerable<CameraScene> scenes) =>
        _scenes = scenes.ToDictionary(scene => scene.CameraId, StringComparer.Ordinal);

    public IReadOnlyCollection<CameraScene> Scenes => _scenes.Values;

    /// <summary>The camera's scene; one with no zones or lines when none is configured.</summary>
    public CameraScene For(string cameraId) => _scenes.TryGetValue(cameraId, out var scene) ? scene : CameraScene.Empty(cameraId);
}
