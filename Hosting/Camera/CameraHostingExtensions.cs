using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// <c>AddCamera</c>: a real camera whose URL is the secret parameter <c>camera-url</c>, or a simulator: mediamtx +
/// ffmpeg test pattern in a container where a container runtime answers, otherwise GStreamer's RTSP server as a local
/// process. Configuration section <c>Camera</c>: <c>Mode</c> (Auto|Container|Process|External), <c>Width</c>,
/// <c>Height</c>, <c>Fps</c>, <c>Path</c>, <c>Bind</c>, <c>Python</c>, <c>SimulatorScript</c>, <c>Image</c>/<c>Tag</c>.
/// </summary>
/// <remarks>
/// The real camera is chosen only by <c>Camera:Mode=External</c>, never by <c>Parameters:camera-url</c> having a
/// value: Aspire keeps parameter values of a publish in its deployment state and loads them into the configuration of
/// every later publish, so a URL given once would otherwise switch every later deployment to that camera.
/// </remarks>
public static class CameraHostingExtensions
{
    public const string SectionName = "Camera";

    /// <summary>The parameter naming a real camera (with <c>Camera:Mode=External</c>).</summary>
    public const string UrlParameterName = "camera-url";

    internal const string DefaultImage = "bluenviron/mediamtx";

    /// <summary>A published mediamtx release with ffmpeg (the <c>-ffmpeg</c> variant runs the test pattern).</summary>
    internal const string DefaultTag = "1.18.2-ffmpeg";

    /// <summary>Debian's interpreter, which sees the apt-installed GStreamer bindings; a pyenv/venv python3 first on PATH does not.</summary>
    internal const string DebianPython = "/usr/bin/python3";

    public static IResourceBuilder<ICameraResource> AddCamera(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var settings = CameraSettings.From(builder.Configuration.GetSection(SectionName));
        var camera = settings.Mode switch
        {
            "external" => AddExternal(builder, name),
            "container" => AddContainer(builder, name, settings),
            "process" => AddProcess(builder, name, settings),
            "auto" when builder.ExecutionContext.IsPublishMode || ContainerRuntimeProbe.IsAvailable(builder.Configuration) => AddContainer(builder, name, settings),
            "auto" => AddProcess(builder, name, settings),
            _ => throw new InvalidOperationException($"Configuration '{SectionName}:Mode' is '{settings.Mode}': use Auto, Container, Process or External."),
        };

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new RtspHealthCheck(camera.Resource), failureStatus: default, tags: default));
        return camera.WithHealthCheck(healthCheckKey);
    }

    private static IResourceBuilder<ICameraResource> AddExternal(IDistributedApplicationBuilder builder, string name)
    {
        IResourceBuilder<ParameterResource> url;
        if (builder.ExecutionContext.IsPublishMode)
        {
            // A deployment reads the URL from its own environment (${CAMERA_URL}); publishing needs no value. Declared
            // without one, so that Aspire's deployment state (which saves every parameter value a publish resolves, in
            // plain text) never holds the URL and its credentials.
            url = builder.AddParameter(UrlParameterName, static () => "", secret: true);
        }
        else if (string.IsNullOrWhiteSpace(builder.Configuration[$"Parameters:{UrlParameterName}"]))
        {
            throw new InvalidOperationException(
                $"'{SectionName}:Mode' is External but 'Parameters:{UrlParameterName}' is not set: set it to the camera's RTSP URL (user secrets, or the environment variable Parameters__{UrlParameterName}).");
        }
        else
        {
            url = builder.AddParameter(UrlParameterName, secret: true);
        }

        var resource = new CameraUrlResource(name, url.Resource);
        var camera = builder.AddResource(resource)
            .WithReferenceRelationship(url)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Camera (RTSP)",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            });
        // Nothing runs for a real camera; Running lets the RTSP health check decide when WaitFor releases.
        camera.OnInitializeResource(static (r, e, _) => e.Notifications.PublishUpdateAsync(r, s => s with
        {
            State = KnownResourceStates.Running,
            StartTimeStamp = DateTime.UtcNow,
        }));
        return builder.CreateResourceBuilder<ICameraResource>(resource);
    }

    private static IResourceBuilder<ICameraResource> AddContainer(IDistributedApplicationBuilder builder, string name, CameraSettings settings)
    {
        var resource = new CameraSimulatorContainerResource(name, settings.Path);
        // mediamtx runs ffmpeg when the path is first created and restarts it if it exits.
        var pattern = string.Create(CultureInfo.InvariantCulture,
            $"ffmpeg -hide_banner -loglevel warning -re -f lavfi -i testsrc2=size={settings.Width}x{settings.Height}:rate={settings.Fps} "
            + $"-pix_fmt yuv420p -c:v libx264 -preset ultrafast -tune zerolatency -g {settings.Fps} -f rtsp rtsp://localhost:$RTSP_PORT/$MTX_PATH");
        var pathKey = settings.Path.ToUpperInvariant().Replace('/', '_').Replace('-', '_');
        builder.AddResource(resource)
            .WithImage(settings.Image ?? DefaultImage, settings.Tag ?? DefaultTag)
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: CameraSimulatorContainerResource.RtspTargetPort, name: CameraSimulatorContainerResource.RtspEndpointName, scheme: "rtsp")
            .WithEnvironment("MTX_RTSPTRANSPORTS", "tcp")
            .WithEnvironment($"MTX_PATHS_{pathKey}_RUNONINIT", pattern)
            .WithEnvironment($"MTX_PATHS_{pathKey}_RUNONINITRESTART", "yes");
        return builder.CreateResourceBuilder<ICameraResource>(resource);
    }

    private static IResourceBuilder<ICameraResource> AddProcess(IDistributedApplicationBuilder builder, string name, CameraSettings settings)
    {
        var script = Path.GetFullPath(settings.SimulatorScript ?? Path.Combine("..", "CameraSimulator", "rtsp_simulator.py"), builder.AppHostDirectory);
        var python = settings.Python ?? (File.Exists(DebianPython) ? DebianPython : "python3");
        if (builder.ExecutionContext.IsRunMode && !ProgramExists(python))
        {
            throw new InvalidOperationException(
                $"The camera simulator runs on Debian's python3 with GStreamer, and '{python}' does not exist: install the Debian packages "
                + "python3 python3-gi python3-gst-1.0 gir1.2-gst-rtsp-server-1.0 (scripts/prerequisites.sh does), "
                + $"or set '{SectionName}:Python' to such an interpreter, or use a real camera ('{SectionName}:Mode=External' with 'Parameters:{UrlParameterName}').");
        }
        var resource = new CameraSimulatorResource(name, python, Path.GetDirectoryName(script)!, settings.Bind, settings.Path);
        var endpoint = resource.RtspEndpoint;
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CameraSimulatorSupervisor>());
        builder.AddResource(resource)
            .WithAnnotation(new RestartOnCrashAnnotation())
            // Not proxied: RTSP may negotiate further connections and the URL must name the server's own port.
            .WithEndpoint(name: CameraSimulatorResource.RtspEndpointName, scheme: "rtsp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add("-u"); // unbuffered, so the "ready" line reaches the dashboard's console at once
                context.Args.Add(script);
                context.Args.Add("--port");
                context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--path");
                context.Args.Add("/" + settings.Path);
                context.Args.Add("--width");
                context.Args.Add(settings.Width.ToString(CultureInfo.InvariantCulture));
                context.Args.Add("--height");
                context.Args.Add(settings.Height.ToString(CultureInfo.InvariantCulture));
                context.Args.Add("--fps");
                context.Args.Add(settings.Fps.ToString(CultureInfo.InvariantCulture));
                context.Args.Add("--bind");
                context.Args.Add(settings.Bind);
            });
        return builder.CreateResourceBuilder<ICameraResource>(resource);
    }

    private static bool ProgramExists(string program) =>
        program.Contains('/', StringComparison.Ordinal)
            ? File.Exists(program)
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(directory => File.Exists(Path.Combine(directory, program)));

    private sealed record CameraSettings(
        string Mode, int Width, int Height, int Fps, string Path, string Bind,
        string? Python, string? SimulatorScript, string? Image, string? Tag)
    {
        public static CameraSettings From(IConfigurationSection section)
        {
            var settings = new CameraSettings(
                (section["Mode"] ?? "Auto").ToLowerInvariant(),
                Positive(section, "Width", 1280),
                Positive(section, "Height", 720),
                Positive(section, "Fps", 30),
                (section["Path"] ?? "camera").Trim('/'),
                section["Bind"] ?? "127.0.0.1",
                NullIfEmpty(section["Python"]),
                NullIfEmpty(section["SimulatorScript"]),
                NullIfEmpty(section["Image"]),
                NullIfEmpty(section["Tag"]));
            return settings.Path.Length > 0
                ? settings
                : throw new InvalidOperationException($"Configuration '{SectionName}:Path' is empty: give the stream path, e.g. 'camera'.");
        }

        private static int Positive(IConfigurationSection section, string key, int fallback)
        {
            var raw = section[key];
            if (string.IsNullOrWhiteSpace(raw))
            {
                return fallback;
            }

            return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new InvalidOperationException($"Configuration '{SectionName}:{key}' is '{raw}': give a positive whole number.");
        }

        private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
