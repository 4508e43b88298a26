using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace AspirePipeline.Tests.Observability;

/// <summary>
/// What a test AppHost needs so its telemetry can be checked: the Aspire dashboard running as with
/// <c>dotnet run --launch-profile http</c> (secured as Aspire secures it: a browser token for the pages, an API key for
/// the telemetry API, an OTLP API key the services send) to receive logs and traces, and every resource's metrics sent
/// to an <see cref="OtlpMetricsReceiver"/> (the dashboard keeps metrics but has no API for them).
/// </summary>
public static class TelemetryCapture
{
    /// <summary>The telemetry API's key for this test run (header <see cref="ApiKeyHeader"/>); Aspire generates one when none is given.</summary>
    public static readonly string DashboardApiKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>The header the dashboard's telemetry API reads its key from.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>
    /// AppHost arguments: the same dashboard settings as AppHost/Properties/launchSettings.json (ports are randomized in
    /// tests), with the telemetry API's key known to the tests. The browser token is Aspire's own, in the login URL
    /// <c>GetDashboardUrlAsync</c> returns.
    /// </summary>
    public static readonly string[] DashboardArguments =
    [
        "--ASPNETCORE_URLS=http://localhost:15888",
        "--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:19888",
        "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
        $"--AppHost:DashboardApiKey={DashboardApiKey}",
    ];

    /// <summary>Keeps the dashboard that testing builders turn off by default.</summary>
    public static void EnableDashboard(DistributedApplicationOptions options, Microsoft.Extensions.Hosting.HostApplicationBuilderSettings settings) =>
        options.DisableDashboard = false;

    /// <summary>
    /// Points the metrics exporter of every resource that exports OTLP at <paramref name="receiver"/> (the
    /// signal-specific variables win over the dashboard's endpoint for metrics only; traces and logs still go there).
    /// </summary>
    public static void ExportMetricsTo(IDistributedApplicationTestingBuilder builder, OtlpMetricsReceiver receiver)
    {
        foreach (var resource in builder.Resources.Where(r => r.Annotations.OfType<OtlpExporterAnnotation>().Any()))
        {
            resource.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
            {
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = receiver.Endpoint;
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"] = "http/protobuf";
                context.EnvironmentVariables["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
            }));
        }
    }
}
