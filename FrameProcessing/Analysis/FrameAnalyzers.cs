using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspirePipeline.FrameProcessing.Analysis;

/// <summary>
/// The analyses a consumer project can host, by the name <see cref="FrameProcessingOptions.Analyzer"/> chooses them
/// with. Only the chosen analysis is registered and only its options are bound and validated.
/// </summary>
public static class FrameAnalyzers
{
    // One entry per analysis: its configuration name, its class and (if any) its options section.
    private static readonly Registration[] Registrations =
    [
        new(MeanIntensityAnalyzer.AnalyzerName, typeof(MeanIntensityAnalyzer),
            services => services.AddSingleton<IFrameAnalyzer, MeanIntensityAnalyzer>()),
        WithOptions<MotionAnalyzer, MotionAnalyzerOptions>(MotionAnalyzer.AnalyzerName, MotionAnalyzerOptions.SectionName),
        WithOptions<PeopleDetector, PeopleDetectorOptions>(PeopleDetector.AnalyzerName, PeopleDetectorOptions.SectionName),
    ];

    /// <summary>The names <c>FrameProcessing:Analyzer</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Registrations.Select(registration => registration.Name)];

    /// <summary>
    /// Registers the analysis named <paramref name="configuredName"/>, or <typeparamref name="TDefault"/> (the project's
    /// own) when none is configured. An unknown name stops the start, naming the setting and the known names.
    /// </summary>
    internal static void Add<TDefault>(IServiceCollection services, string? configuredName)
        where TDefault : class, IFrameAnalyzer
    {
        if (string.IsNullOrWhiteSpace(configuredName))
        {
            var known = Array.Find(Registrations, registration => registration.Type == typeof(TDefault));
            if (known is not null)
            {
                known.Add(services);
            }
            else
            {
                // An analysis outside this list (a test's, say) brings its own options.
                services.AddSingleton<IFrameAnalyzer, TDefault>();
            }
            return;
        }

        var chosen = Array.Find(Registrations,
            registration => string.Equals(registration.Name, configuredName.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"{FrameProcessingOptions.SectionName}:{nameof(FrameProcessingOptions.Analyzer)} is '{configuredName}', " +
                $"which is not an analysis this service hosts; use one of: {string.Join(", ", Names)}.");
        chosen.Add(services);
    }

    private static Registration WithOptions<TAnalyzer, TOptions>(string name, string sectionName)
        where TAnalyzer : class, IFrameAnalyzer
        where TOptions : class =>
        new(name, typeof(TAnalyzer), services =>
        {
            FrameProcessingExtensions.AddValidatedOptions<TOptions>(services, sectionName);
            services.AddSingleton<IFrameAnalyzer, TAnalyzer>();
        });

    private sealed record Registration(string Name, Type Type, Action<IServiceCollection> Add);
}
