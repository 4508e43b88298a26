using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using AspirePipeline.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspirePipeline.Hosting.Camera;

/// <summary>
/// Cameras as configuration: every entry <c>Cameras:{id}</c> becomes its own camera resource with its own RTSP health
/// check. A real camera (<c>Source=Rtsp</c> or <c>Source=HttpMjpeg</c>) takes its URL from the secret parameter <c>{id}-url</c>; a simulator
/// serves a moving test pattern (<c>Width</c>, <c>Height</c>, <c>Fps</c>) or a recorded <c>Video</c> looped as a live
/// stream, as mediamtx + ffmpeg in a container where a container runtime answers, otherwise as GStreamer's RTSP server
/// in a local process. Section <c>Camera</c> holds the defaults and the simulators' runtime (see <see cref="CameraRuntime"/>).
/// </summary>
/// <remarks>
/// A real camera is chosen only by its entry's <c>Source</c>, never by a <c>Parameters:{id}-url</c> value: Aspire
/// keeps parameter values of a publish in its deployment state and loads them into the configuration of every later
/// publish, so a URL given once would otherwise switch every later deployment to that camera.
/// </remarks>
public static class CameraHostingExtensions
{
    internal const string DefaultImage = "bluenviron/mediamtx";

    /// <summary>A published mediamtx release with ffmpeg (the <c>-ffmpeg</c> variant runs the test pattern).</summary>
    internal const string DefaultTag = "1.18.2-ffmpeg";

    /// <summary>Debian's interpreter, which sees the apt-installed GStreamer bindings; a pyenv/venv python3 first on PATH does not.</summary>
    internal const string DebianPython = "/usr/bin/python3";

    /// <summary>Where a simulator container finds its video file.</summary>
    internal const string ContainerMediaDirectory = "/media";

    /// <summary>One camera resource per enabled entry of <c>Cameras</c>; at least one is required.</summary>
    public static IReadOnlyList<IResourceBuilder<ICameraResource>> AddCameras(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var cameras = CameraSettings.ReadAll(builder.Configuration, builder.AppHostDirectory);
        return cameras.Count > 0
            ? [.. cameras.Select(settings => builder.AddCamera(settings))]
            : throw new InvalidOperationException(
                $"No camera is configured: add an entry '{CameraSettings.CamerasSectionName}:<id>' (e.g. Cameras:camera:Width=1280, or "
                + "Cameras:gate:Source=Rtsp with Parameters:gate-url) or set Enabled=true on one in AppHost/appsettings.json.");
    }

    /// <summary>The camera of the entry <c>Cameras:{name}</c> (a test-pattern simulator with the defaults when absent).</summary>
    public static IResourceBuilder<ICameraResource> AddCamera(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.AddCamera(CameraSettings.Read(builder.Configuration, name, builder.AppHostDirectory));
    }

    /// <summary>The camera <paramref name="settings"/> describe, with the health check its kind's probe calls for.</summary>
    public static IResourceBuilder<ICameraResource> AddCamera(this IDistributedApplicationBuilder builder, CameraSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var name = settings.Id;
        var mode = settings.Runtime.Mode;
        var camera = settings switch
        {
            { Source: { } kind } => AddExternal(builder, settings, kind),
            _ when mode == "container" => AddContainer(builder, settings),
            _ when mode == "process" => AddProcess(builder, settings),
            _ when builder.ExecutionContext.IsPublishMode || ContainerRuntimeProbe.IsAvailable(builder.Configuration) =>
                AddContainer(builder, settings),
            _ => AddProcess(builder, settings),
        };

        camera.WithAnnotation(settings.Stream).WithAnnotation(settings.Scene);
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            // Simulators are RTSP servers.
            healthCheckKey, _ => CameraHealthChecks.For(camera.Resource, settings.Source?.Probe ?? CameraProbe.RtspDescribe),
            failureStatus: default, tags: default));
        return camera.WithHealthCheck(healthCheckKey);
    }

    private static IResourceBuilder<ICameraResource> AddExternal(
        IDistributedApplicationBuilder builder, CameraSettings settings, CameraSourceKind kind)
    {
        var parameterName = settings.UrlParameterName;
        IResourceBuilder<ParameterResource> url;
        if (builder.ExecutionContext.IsPublishMode)
        {
            // A deployment reads the URL from its own environment (${<ID>_URL}); publishing needs no value. Declared
            // without one, so that Aspire's deployment state (which saves every parameter value a publish resolves, in
            // plain text) never holds the URL and its credentials.
            url = builder.AddParameter(parameterName, static () => "", secret: true);
        }
        else if (string.IsNullOrWhiteSpace(builder.Configuration[$"Parameters:{parameterName}"]))
        {
            throw new InvalidOperationException(
                $"'{CameraSettings.CamerasSectionName}:{settings.Id}:Source' is {kind.Name} "
                + $"but 'Parameters:{parameterName}' is not set: set it to the camera's URL "
                + $"(user secrets: dotnet user-secrets set Parameters:{parameterName} {kind.Example} --project AppHost, "
                + $"or the environment variable Parameters__{parameterName}).");
        }
        else
        {
            url = builder.AddParameter(parameterName, secret: true);
        }

        var resource = new CameraUrlResource(settings.Id, url.Resource);
        var camera = builder.AddResource(resource)
            .WithReferenceRelationship(url)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = $"Camera ({kind.Name})",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            });
        // Nothing runs for a real camera; Running lets the health check decide when WaitFor releases.
        camera.OnInitializeResource(static (r, e, _) => e.Notifications.PublishUpdateAsync(r, s => s with
        {
            State = KnownResourceStates.Running,
            StartTimeStamp = DateTime.UtcNow,
        }));
        return builder.CreateResourceBuilder<ICameraResource>(resource);
    }

    private static IResourceBuilder<ICameraResource> AddContainer(IDistributedApplicationBuilder builder, CameraSettings settings)
    {
        var resource = new CameraSimulatorContainerResource(settings.Id, settings.Path);
        var mediaFile = settings.Video is null ? null : $"{ContainerMediaDirectory}/{settings.Id}{Path.GetExtension(settings.Video)}";
        // mediamtx runs ffmpeg when the path is first created and restarts it if it exits.
        var input = mediaFile is null
            ? string.Create(CultureInfo.InvariantCulture, $"-f lavfi -i testsrc2=size={settings.Width}x{settings.Height}:rate={settings.Fps}")
            : $"-stream_loop -1 -i {mediaFile} -an";
        var publish = string.Create(CultureInfo.InvariantCulture,
            $"ffmpeg -hide_banner -loglevel warning -re {input} "
            + $"-pix_fmt yuv420p -c:v libx264 -preset ultrafast -tune zerolatency -g {settings.Fps} -f rtsp rtsp://localhost:$RTSP_PORT/$MTX_PATH");
        var pathKey = settings.Path.ToUpperInvariant().Replace('/', '_').Replace('-', '_');
        var camera = builder.AddResource(resource)
            .WithImage(settings.Runtime.Image ?? DefaultImage, settings.Runtime.Tag ?? DefaultTag)
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: CameraSimulatorContainerResource.RtspTargetPort,
                name: CameraSimulatorContainerResource.RtspEndpointName, scheme: "rtsp")
            .WithEnvironment("MTX_RTSPTRANSPORTS", "tcp")
            .WithEnvironment($"MTX_PATHS_{pathKey}_RUNONINIT", publish)
            .WithEnvironment($"MTX_PATHS_{pathKey}_RUNONINITRESTART", "yes");
        if (mediaFile is not null)
        {
            camera.WithBindMount(settings.Video!, mediaFile, isReadOnly: true);
        }
        return builder.CreateResourceBuilder<ICameraResource>(resource);
    }

    private static IResourceBuilder<ICameraResource> AddProcess(IDistributedApplicationBuilder builder, CameraSettings settings)
    {
        var runtime = settings.Runtime;
        var script = Path.GetFullPath(
            runtime.SimulatorScript ?? Path.Combine("..", "CameraSimulator", "rtsp_simulator.py"), builder.AppHostDirectory);
        var python = runtime.Python ?? (File.Exists(DebianPython) ? DebianPython : "python3");
        if (builder.ExecutionContext.IsRunMode && !ProgramExists(python))
        {
            throw new InvalidOperationException(
                $"The camera simulator runs on Debian's python3 with GStreamer, and '{python}' does not exist: install the Debian packages "
                + "python3 python3-gi python3-gst-1.0 gir1.2-gst-rtsp-server-1.0 (scripts/prerequisites.sh does), "
                + $"or set '{CameraSettings.DefaultsSectionName}:Python' to such an interpreter, "
                + $"or use a real camera ('{CameraSettings.CamerasSectionName}:{settings.Id}:Source=Rtsp' "
                + $"with 'Parameters:{settings.UrlParameterName}').");
        }
        var resource = new CameraSimulatorResource(settings.Id, python, Path.GetDirectoryName(script)!, runtime.Bind, settings.Path);
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
                context.Args.Add("--bind");
                context.Args.Add(runtime.Bind);
                if (settings.Video is { } video)
                {
                    context.Args.Add("--video");
                    context.Args.Add(video);
                    return;
                }
                context.Args.Add("--width");
                context.Args.Add(settings.Width.ToString(CultureInfo.InvariantCulture));
                context.Args.Add("--height");
                context.Args.Add(settings.Height.ToString(CultureInfo.InvariantCulture));
                context.Args.Add("--fps");
                context.Args.Add(settings.Fps.ToString(CultureInfo.InvariantCulture));
            });
        return builder.CreateResourceBuilder<ICameraResource>(resource);
    }

    private static bool ProgramExists(string program) =>
        program.Contains('/', StringComparison.Ordinal)
            ? File.Exists(program)
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(directory => File.Exists(Path.Combine(directory, program)));
}
