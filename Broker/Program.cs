using AspirePipeline.Broker;
using AspirePipeline.Broker.Storage;
using AspirePipeline.Broker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

if (args is ["--help"] or ["-h"])
{
    Console.Out.WriteLine(BrokerCommandLine.Usage);
    return 0;
}

var normalized = BrokerCommandLine.Normalize(args, out var argsError);
if (normalized is null)
{
    Console.Error.WriteLine(argsError);
    Console.Error.WriteLine(BrokerCommandLine.Usage);
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = null });
builder.Configuration.AddCommandLine(normalized, BrokerCommandLine.SwitchMappings);
// Logs go to stderr so stdout carries only the "listening on" line launchers parse; a launcher that prefers
// informational logs on stdout (Aspire shows stderr as errors) sets Logging:Console:LogToStandardErrorThreshold.
if (builder.Configuration["Logging:Console:LogToStandardErrorThreshold"] is null)
{
    builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
}

builder.Services.AddOptions<BrokerOptions>()
    .BindConfiguration(BrokerOptions.SectionName)
    .ValidateDataAnnotations()
    .ValidateOnStart();
// Storage tuning (segment size, flush interval) under Broker:Storage; the data directory itself is Broker:DataDir.
builder.Services.AddOptions<FileLogStoreOptions>().BindConfiguration(FileLogStoreOptions.SectionName);
builder.Services.AddKafkaBroker();
builder.Services.AddHostedService<BrokerHostedService>();

if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    var traceRatio = builder.Configuration.GetSection(BrokerOptions.SectionName)
        .GetValue(nameof(BrokerOptions.TraceSampleRatio), new BrokerOptions().TraceSampleRatio);
    builder.Services.AddOpenTelemetry()
        // The dashboard shows a log's body: without the formatted message that is the bare template.
        .WithLogging(configureBuilder: null, configureOptions: logging => logging.IncludeFormattedMessage = true)
        .WithMetrics(metrics => metrics.AddMeter(BrokerMetrics.Name).AddRuntimeInstrumentation())
        .WithTracing(tracing => tracing
            .AddSource(BrokerMetrics.Name)
            .SetSampler(new TraceIdRatioBasedSampler(Math.Clamp(traceRatio, 0.0, 1.0))))
        .UseOtlpExporter();
}

try
{
    await builder.Build().RunAsync();
    return 0;
}
catch (Exception ex) when (ex is Microsoft.Extensions.Options.OptionsValidationException
    or InvalidOperationException or IOException or UnauthorizedAccessException)
{
    // Bad configuration or an unusable port: one clear line instead of a stack trace.
    Console.Error.WriteLine($"Broker failed to start: {ex.Message}");
    return 1;
}
