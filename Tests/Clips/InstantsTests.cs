using AspirePipeline.Clips;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Clips;

/// <summary>How <c>from</c> and <c>to</c> are read and instants written.</summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class InstantsTests
{
    [Theory]
    [InlineData("2026-12-07T14:30:00Z", "2026-12-07T14:30:00.000Z")]
    [InlineData("2026-12-07T15:30:00.250+01:00", "2026-12-07T14:30:00.250Z")]
    [InlineData("1796653800000", "2026-12-07T14:30:00.000Z")]
    public void An_iso_instant_with_a_zone_or_unix_milliseconds_is_read(string text, string expected)
    {
        Assert.True(Instants.TryParse("from", text, out var instant, out var error), error);
        Assert.Equal(expected, Instants.Format(instant));
    }

    [Theory]
    [InlineData("2026-12-07T14:30:00", "from '2026-12-07T14:30:00' has no time zone")]
    [InlineData("soon", "from 'soon' is neither an ISO 8601 instant")]
    [InlineData("", "from is empty")]
    [InlineData("-5", "outside the Unix milliseconds")]
    public void Anything_else_is_refused_saying_what_would_do(string text, string expected)
    {
        Assert.False(Instants.TryParse("from", text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
