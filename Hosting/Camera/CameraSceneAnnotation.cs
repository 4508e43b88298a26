using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Contracts.Scene;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// The zones, counting lines and motion masks of a camera's picture, from its entry <c>Cameras:{id}</c>
/// (<c>Zones:{name}</c>, <c>Lines:{name}</c>, <c>MotionMasks:{name}</c>), checked when the AppHost reads it; the
/// AppHost carries it to every group watching the camera as <c>Scene:Cameras:{id}</c>
/// (<see cref="CameraScene.ServiceSectionName"/>). Empty when none are configured.
/// </summary>
public sealed record CameraSceneAnnotation(CameraScene Scene) : IResourceAnnotation;
