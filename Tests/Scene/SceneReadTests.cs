using AspirePipeline.Contracts.Scene;
using Microsoft.Extensions.Configuration;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Scene;

/// <summary>
/// A zone or line that cannot work stops the read with an error naming the configuration key to fix, under the camera's
/// entry (<c>Cameras:footage</c>), and saying what a right value looks like.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class SceneReadTests
{
    private const string Triangle = "Zones:bad:Points:0=0.1,0.1;Zones:bad:Points:1=0.9,0.1;Zones:bad:Points:2=0.5,0.9";
    private const string Line = "Lines:bad:From=0.1,0.5;Lines:bad:To=0.9,0.5";

    [Theory]
    // A zone: three points or more, each "x,y" from 0 to 1, enclosing an area; a positive MinDwell if any.
    [InlineData("Zones:bad:Points:0=0.1,0.1;Zones:bad:Points:1=0.9,0.1", "Zones:bad:Points", "has 2 point(s)")]
    [InlineData("Zones:bad:MinDwell=00:00:10", "Zones:bad:Points", "has 0 point(s)")]
    [InlineData("Zones:bad:Points:0=0.1,0.1;Zones:bad:Points:1=1.5,0.1;Zones:bad:Points:2=0.5,0.9", "Zones:bad:Points:1", "from 0 to 1")]
    [InlineData("Zones:bad:Points:0=0.1,-0.1;Zones:bad:Points:1=0.9,0.1;Zones:bad:Points:2=0.5,0.9", "Zones:bad:Points:0", "from 0 to 1")]
    [InlineData("Zones:bad:Points:0=NaN,0.1;Zones:bad:Points:1=0.9,0.1;Zones:bad:Points:2=0.5,0.9", "Zones:bad:Points:0", "from 0 to 1")]
    [InlineData("Zones:bad:Points:0=0.1,0.1;Zones:bad:Points:1=0.9,0.1;Zones:bad:Points:2=0.5", "Zones:bad:Points:2", "as \"x,y\"")]
    [InlineData("Zones:bad:Points:0=0.1,0.1;Zones:bad:Points:1=0.9,0.1;Zones:bad:Points:2=0,5,0,9", "Zones:bad:Points:2", "as \"x,y\"")]
    [InlineData("Zones:bad:Points:0=0.1,0.1;Zones:bad:Points:1=0.5,0.5;Zones:bad:Points:2=0.9,0.9", "Zones:bad:Points", "encloses no area")]
    [InlineData(Triangle + ";Zones:bad:MinDwell=00:00:00", "Zones:bad:MinDwell", "give a positive time")]
    [InlineData(Triangle + ";Zones:bad:MinDwell=-00:00:05", "Zones:bad:MinDwell", "give a positive time")]
    // A line: two points at least 1% of the frame apart, and "in" one of up, down, left, right, across the line.
    [InlineData("Lines:bad:From=0.5,0.5;Lines:bad:To=0.5,0.5;Lines:bad:In=down", "Lines:bad", "zero length")]
    [InlineData("Lines:bad:From=0.5,0.5;Lines:bad:To=0.505,0.5;Lines:bad:In=down", "Lines:bad", "zero length")]
    [InlineData("Lines:bad:To=0.5,0.5;Lines:bad:In=down", "Lines:bad:From", "as \"x,y\"")]
    [InlineData("Lines:bad:From=0.1,0.5;Lines:bad:To=0.9,1.5;Lines:bad:In=down", "Lines:bad:To", "from 0 to 1")]
    [InlineData(Line, "Lines:bad:In", "up, down, left or right")]
    [InlineData(Line + ";Lines:bad:In=sideways", "Lines:bad:In", "up, down, left or right")]
    [InlineData(Line + ";Lines:bad:In=1", "Lines:bad:In", "up, down, left or right")]
    [InlineData(Line + ";Lines:bad:In=left", "Lines:bad:In", "along the line")]
    [InlineData("Lines:bad:From=0.5,0.1;Lines:bad:To=0.5,0.9;Lines:bad:In=up", "Lines:bad:In", "along the line")]
    // A motion mask: a polygon as a zone is.
    [InlineData("MotionMasks:clock:Points:0=0.7,0.8;MotionMasks:clock:Points:1=1,0.8", "MotionMasks:clock:Points", "has 2 point(s)")]
    [InlineData("MotionMasks:clock:Points:0=0.7,0.8;MotionMasks:clock:Points:1=1,0.8;MotionMasks:clock:Points:2=1,1.2",
        "MotionMasks:clock:Points:2", "from 0 to 1")]
    [InlineData("MotionMasks:clock:Points:0=0.7,0.8;MotionMasks:clock:Points:1=0.8,0.8;MotionMasks:clock:Points:2=0.9,0.8",
        "MotionMasks:clock:Points", "encloses no area")]
    // A misspelt key, which the binder would otherwise drop without a word.
    [InlineData("MotionMasks:clock:Point=0.7,0.8", "MotionMasks:clock", "a motion mask has Points")]
    [InlineData(Triangle + ";Zones:bad:MinDwel=00:00:10", "Zones:bad", "may have MinDwell")]
    // Names go into events and metric tags.
    [InlineData("Zones:north gate:Points:0=0.1,0.1;Zones:north gate:Points:1=0.9,0.1;Zones:north gate:Points:2=0.5,0.9",
        "Zones:north gate", "letters, digits")]
    public void A_zone_or_line_that_cannot_work_names_its_configuration_path(string settings, string key, string hint)
    {
        var error = Assert.Throws<SceneConfigurationException>(() => ConfiguredScene.Read(Settings(settings)));

        Assert.Contains($"'{ConfiguredScene.Entry}:{key}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_is_at_most_64_characters()
    {
        string[] Line(string name) => [$"Lines:{name}:From=0.1,0.5", $"Lines:{name}:To=0.9,0.5", $"Lines:{name}:In=down"];
        var longest = new string('x', 64);

        Assert.Equal(longest, Assert.Single(ConfiguredScene.Read(Line(longest)).Lines).Name);
        var error = Assert.Throws<SceneConfigurationException>(() => ConfiguredScene.Read(Line(longest + "x")));
        Assert.Contains($"'{ConfiguredScene.Entry}:Lines:{longest}x'", error.Message, StringComparison.Ordinal);
        Assert.Contains("up to 64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_zone_is_found_next_to_good_ones()
    {
        var error = Assert.Throws<SceneConfigurationException>(() => ConfiguredScene.Read(
            Settings("Zones:good:Points:0=0.1,0.1;Zones:good:Points:1=0.9,0.1;Zones:good:Points:2=0.5,0.9;" +
                "Lines:good:From=0.1,0.5;Lines:good:To=0.9,0.5;Lines:good:In=down;" +
                "Zones:later:Points:0=0.1,0.1;Zones:later:Points:1=0.9,0.1;Zones:later:Points:2=0.5,1.1")));

        Assert.Contains($"'{ConfiguredScene.Entry}:Zones:later:Points:2'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zone_whose_MinDwell_is_no_time_names_its_path_where_binding_the_whole_entry_would_drop_it()
    {
        var settings = Settings(Triangle + ";Zones:bad:MinDwell=20s");
        // The configuration binder skips a dictionary entry it cannot convert (dotnet/runtime#35007, #63792): bound as
        // a whole, the zone is missing and nothing says so. Should the binder ever throw here, the reader can bind whole.
        var whole = new CameraSceneSettings();
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(setting => setting.Split('=', 2))
                .Select(pair => KeyValuePair.Create($"{ConfiguredScene.Entry}:{pair[0]}", (string?)pair[1])))
            .Build().GetSection(ConfiguredScene.Entry).Bind(whole);
        Assert.Empty(whole.Zones);

        // Hence the reader binds each zone on its own, where the binder throws.
        var error = Assert.Throws<SceneConfigurationException>(() => ConfiguredScene.Read(settings));
        Assert.Contains($"'{ConfiguredScene.Entry}:Zones:bad'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_camera_entry_without_zones_or_lines_has_an_empty_scene()
    {
        var scene = ConfiguredScene.Read(Settings("Source=Simulator;Record=true;Analysis:Fps=5"));

        Assert.True(scene.IsEmpty);
        Assert.Equal("footage", scene.CameraId);
    }

    [Fact]
    public void Lines_across_the_picture_count_up_or_down_and_lines_down_it_left_or_right_as_in()
    {
        var scene = ConfiguredScene.Read(Settings(
            "Lines:across:From=0.1,0.7;Lines:across:To=0.9,0.7;Lines:across:In=down;" +
            "Lines:slanted:From=0.2,0.2;Lines:slanted:To=0.8,0.6;Lines:slanted:In=UP;" +
            "Lines:upright:From=0.5,0.1;Lines:upright:To=0.5,0.9;Lines:upright:In=Left"));

        Assert.Equal(
            [
                new SceneLine("across", new ScenePoint(0.1, 0.7), new ScenePoint(0.9, 0.7), CrossingDirection.Down),
                new SceneLine("slanted", new ScenePoint(0.2, 0.2), new ScenePoint(0.8, 0.6), CrossingDirection.Up),
                new SceneLine("upright", new ScenePoint(0.5, 0.1), new ScenePoint(0.5, 0.9), CrossingDirection.Left),
            ],
            scene.Lines);
    }

    private static string[] Settings(string settings) => settings.Split(';');
}
