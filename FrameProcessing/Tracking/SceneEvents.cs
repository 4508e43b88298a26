namespace AspirePipeline.FrameProcessing.Tracking;

/// <summary>The event types of tracked objects, as published on the events topic.</summary>
public static class SceneEvents
{
    public const string ZoneEntered = "zone-entered";
    public const string ZoneLeft = "zone-left";
    public const string ZoneLoitering = "zone-loitering";
    public const string LineCrossed = "line-crossed";

    /// <summary><c>{kind}-appeared</c>: a track of that kind (e.g. <c>person</c>) was confirmed.</summary>
    public static string Appeared(string kind) => $"{kind}-appeared";

    /// <summary><c>{kind}-left</c>: a confirmed track ended.</summary>
    public static string Left(string kind) => $"{kind}-left";
}
