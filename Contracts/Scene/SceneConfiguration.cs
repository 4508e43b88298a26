using Microsoft.Extensions.Configuration;

namespace AspirePipeline.Contracts.Scene;

/// <summary>Reads a camera's zones, lines and motion masks from configuration, for the AppHost and the groups' services alike.</summary>
public static class SceneConfiguration
{
    /// <summary>
    /// A camera entry's <c>Zones</c>, <c>Lines</c> and <c>MotionMasks</c> (<c>Cameras:{id}</c> in the AppHost, <c>Scene:Cameras:{id}</c> in a
    /// group's service), checked by <see cref="CameraScene.Read"/>; every error, the binder's too
    /// (a <c>MinDwell</c> that is no time, a misspelt key), names the configuration path.
    /// </summary>
    public static CameraScene Read(IConfigurationSection entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // Each zone and line is bound on its own: bound as the dictionaries of CameraSceneSettings, the binder drops an
        // entry it cannot convert (a MinDwell of "20s") without a word, and the zone would silently be missing.
        var settings = new CameraSceneSettings();
        foreach (var zone in entry.GetSection(CameraSceneSettings.ZonesKey).GetChildren())
        {
            settings.Zones[zone.Key] = Bind<ZoneSettings>(zone,
                $"a zone has {nameof(ZoneSettings.Points)} (each \"x,y\", relative to the frame) and may have " +
                $"{nameof(ZoneSettings.MinDwell)} (a time such as 00:00:30)");
        }
        foreach (var line in entry.GetSection(CameraSceneSettings.LinesKey).GetChildren())
        {
            settings.Lines[line.Key] = Bind<LineSettings>(line,
                $"a line has {nameof(LineSettings.From)} and {nameof(LineSettings.To)} (each \"x,y\", relative to the frame) " +
                $"and {nameof(LineSettings.In)} (up, down, left or right)");
        }
        foreach (var mask in entry.GetSection(CameraSceneSettings.MotionMasksKey).GetChildren())
        {
            settings.MotionMasks[mask.Key] = Bind<MaskSettings>(mask,
                $"a motion mask has {nameof(MaskSettings.Points)} (each \"x,y\", relative to the frame)");
        }
        return CameraScene.Read(entry.Key, settings, entry.Path);
    }

    private static T Bind<T>(IConfigurationSection section, string expected) where T : new()
    {
        var settings = new T();
        try
        {
            section.Bind(settings, options => options.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException error)
        {
            throw new SceneConfigurationException($"Configuration '{section.Path}' cannot be read: {error.Message} ({expected}).", error);
        }
        return settings;
    }

}
