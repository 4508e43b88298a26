using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace AspirePipeline.Hosting.Publishing;

/// <summary>
/// Turns the app model into a <see cref="ComposeDocument"/>. Generic over resources: containers keep their image,
/// projects get the image <c>dotnet publish -t:PublishContainer</c> builds, references become compose service names
/// and target ports, parameters become <c>${VAR}</c>. Every problem found is collected and reported at once.
/// </summary>
internal sealed class DockerComposeComposer(
    DockerComposePublishingOptions options,
    string outputDirectory,
    DistributedApplicationExecutionContext executionContext,
    IConfiguration configuration,
    ILogger logger)
{
    private const int DashboardUiPort = 18888;
    private const int DashboardOtlpGrpcPort = 18889;
    private const int DashboardOtlpHttpPort = 18890;

    private readonly Dictionary<IResource, ComposeService> _services = [];
    private readonly Dictionary<IResource, string> _leftOut = [];
    private readonly List<string> _errors = [];
    private ComposeValueResolver? _resolver;

    // Reads the composer's services and resources left out (filled in as services are added) and adds to its errors.
    private ComposeValueResolver Values => _resolver ??= new ComposeValueResolver(_services, _leftOut, _errors);

    public async Task<ComposeDocument> ComposeAsync(DistributedApplicationModel model, CancellationToken cancellationToken)
    {
        var document = new ComposeDocument(options.NetworkName);

        // Services first, so that references to resources declared later resolve.
        foreach (var resource in model.Resources)
        {
            AddServiceFor(resource, document);
        }

        if (options.IncludeDashboard && document.Services.Any(s => s.Name == options.DashboardServiceName))
        {
            _errors.Add($"The dashboard service name '{options.DashboardServiceName}' is also a resource name; " +
                "rename the resource or set DockerComposePublishingOptions.DashboardServiceName.");
        }

        foreach (var (resource, service) in _services)
        {
            AddEndpoints(resource, service);
            AddVolumes(resource, service, document);
            await AddArgumentsAsync(resource, service, cancellationToken).ConfigureAwait(false);
            await AddEnvironmentAsync(resource, service, cancellationToken).ConfigureAwait(false);
            AddDependencies(resource, service);
            service.Replicas = resource.GetReplicaCount();
            if (service.Replicas < 1)
            {
                _errors.Add($"Resource '{resource.Name}' has {service.Replicas} replicas; WithReplicas needs at least 1.");
            }

            service.HealthCheck = resource.Annotations.OfType<DockerComposeHealthCheckAnnotation>().LastOrDefault();
            if (resource.HasAnnotationOfType<ContainerRuntimeArgsCallbackAnnotation>())
            {
                DockerComposeLog.RuntimeArgsIgnored(logger, resource.Name);
            }
        }

        if (options.IncludeDashboard)
        {
            document.Services.Add(CreateDashboardService());
        }

        if (_errors.Count > 0)
        {
            throw new DockerComposePublishException(_errors);
        }

        AddEnvEntries(document);
        return document;
    }

    private void AddServiceFor(IResource resource, ComposeDocument document)
    {
        if (resource.IsExcludedFromPublish() || resource.HasAnnotationOfType<DockerComposeExcludeAnnotation>())
        {
            _leftOut[resource] = "it is excluded from publishing";
            DockerComposeLog.Excluded(logger, resource.Name);
            return;
        }

        if (resource is not IComputeResource)
        {
            // Parameters, connection strings and the like are values, not processes: they surface in .env or inline.
            return;
        }

        string? image;
        if (resource is ProjectResource project && !resource.HasAnnotationOfType<ContainerImageAnnotation>())
        {
            image = ProjectImage(project);
            if (image is null)
            {
                return;
            }
        }
        else if (!resource.TryGetContainerImageName(out image))
        {
            _leftOut[resource] = "it has no container image for publishing";
            DockerComposeLog.SkippedWithoutImage(logger, resource.Name, resource.GetType().Name);
            return;
        }

        var name = resource.Name.ToLowerInvariant();
        var clash = _services.Values.FirstOrDefault(s => s.Name == name);
        if (clash is not null)
        {
            _errors.Add($"Resources '{clash.ResourceName}' and '{resource.Name}' both become compose service '{name}'; " +
                "compose service names are lowercase, so rename one of them.");
            return;
        }

        var service = new ComposeService(name, resource.Name) { Image = image };
        if (resource.Annotations.OfType<DockerfileBuildAnnotation>().SingleOrDefault() is { } dockerfile)
        {
            AddBuild(resource, service, dockerfile);
        }

        if (resource is ContainerResource { Entrypoint: { Length: > 0 } entrypoint })
        {
            service.Entrypoint = [ComposeValueResolver.Escape(entrypoint)];
        }

        _services[resource] = service;
        document.Services.Add(service);
    }

    /// <summary>
    /// <c>AddDockerfile</c>/<c>WithDockerfile</c>: compose builds the image itself. Paths are written relative to the
    /// output directory, so the compose file keeps working when it and the sources move together.
    /// </summary>
    private void AddBuild(IResource resource, ComposeService service, DockerfileBuildAnnotation dockerfile)
    {
        if (dockerfile.DockerfileFactory is not null)
        {
            _errors.Add($"Resource '{resource.Name}' builds from a Dockerfile generated in code, which compose cannot build; " +
                "write the Dockerfile to disk and use WithDockerfile(contextPath, dockerfilePath).");
            return;
        }

        var build = new ComposeBuild(
            ComposeValueResolver.Escape(Path.GetRelativePath(outputDirectory, dockerfile.ContextPath)),
            ComposeValueResolver.Escape(Path.GetRelativePath(dockerfile.ContextPath, dockerfile.DockerfilePath)),
            dockerfile.Stage is { Length: > 0 } stage ? ComposeValueResolver.Escape(stage) : null);
        foreach (var (name, value) in dockerfile.BuildArguments)
        {
            if (Values.TryResolve(value, service, $"build argument '{name}'") is { } resolved)
            {
                build.Args.Add(new(name, resolved.Text));
            }
        }

        service.Build = build;
    }

    /// <summary>
    /// The image <c>dotnet publish -t:PublishContainer</c> produces: the project file's <c>ContainerRepository</c>
    /// (and <c>ContainerImageTag</c>, else the first of <c>ContainerImageTags</c>, else <c>latest</c>).
    /// </summary>
    private string? ProjectImage(ProjectResource project)
    {
        var projectPath = project.GetProjectMetadata().ProjectPath;
        string? repository = null;
        string? tag = null;
        try
        {
            var properties = XDocument.Load(projectPath).Root?.Elements("PropertyGroup").SelectMany(g => g.Elements()) ?? [];
            foreach (var property in properties)
            {
                var value = property.Value.Trim();
                switch (property.Name.LocalName)
                {
                    case "ContainerRepository" when value.Length > 0:
                        repository = value;
                        break;
                    case "ContainerImageTag" when value.Length > 0:
                        tag = value;
                        break;
                    case "ContainerImageTags" when value.Length > 0 && tag is null:
                        tag = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Xml.XmlException)
        {
            _errors.Add($"Project resource '{project.Name}': cannot read its project file '{projectPath}' " +
                $"to find the container image name ({ex.Message}).");
            return null;
        }

        if (repository is null)
        {
            _errors.Add($"Project resource '{project.Name}' has no container image name: set <ContainerRepository> in '{projectPath}' " +
                "(the name dotnet publish -t:PublishContainer gives the image) or call PublishAsDockerComposeImage(...) on it in the AppHost.");
            return null;
        }

        if (repository.Contains('$', StringComparison.Ordinal))
        {
            _errors.Add($"Project resource '{project.Name}': <ContainerRepository> '{repository}' in '{projectPath}' uses an MSBuild property; " +
                "write the image name literally or call PublishAsDockerComposeImage(...).");
            return null;
        }

        return $"{repository}:{tag ?? options.DefaultProjectImageTag}";
    }

    private void AddEndpoints(IResource resource, ComposeService service)
    {
        if (!resource.TryGetEndpoints(out var endpoints))
        {
            return;
        }

        foreach (var endpoint in endpoints)
        {
            if (TargetPort(resource, endpoint) is not { } targetPort)
            {
                continue;
            }

            var suffix = endpoint.Protocol == ProtocolType.Udp ? "/udp" : "";
            if (endpoint.IsExternal)
            {
                // Several replicas cannot share one host port; compose then picks a free one for each.
                var mapping = resource.GetReplicaCount() > 1
                    ? $"{targetPort}{suffix}"
                    : $"{endpoint.Port ?? targetPort}:{targetPort}{suffix}";
                AddOnce(service.Ports, mapping);
            }
            else
            {
                AddOnce(service.Expose, $"{targetPort}{suffix}");
            }
        }
    }

    /// <summary>
    /// The port the process listens on inside its container. Projects without one get the .NET container default
    /// (8080, 8443 for https) as Aspire's compose publisher does; a container endpoint without one is a model error.
    /// </summary>
    private int? TargetPort(IResource resource, EndpointAnnotation endpoint)
    {
        if (endpoint.TargetPort is { } port)
        {
            return port;
        }

        if (resource is ProjectResource)
        {
            return endpoint.UriScheme == "https" ? 8443 : 8080;
        }

        _errors.Add($"Resource '{resource.Name}': endpoint '{endpoint.Name}' has no target port, " +
            "so compose cannot tell which container port to use; set targetPort in WithEndpoint(...).");
        return null;
    }

    private void AddVolumes(IResource resource, ComposeService service, ComposeDocument document)
    {
        if (!resource.TryGetContainerMounts(out var mounts))
        {
            return;
        }

        foreach (var mount in mounts)
        {
            var readOnly = mount.IsReadOnly ? ":ro" : "";
            switch (mount.Type)
            {
                case ContainerMountType.Volume when string.IsNullOrEmpty(mount.Source):
                    service.Volumes.Add(ComposeValueResolver.Escape(mount.Target));
                    break;
                case ContainerMountType.Volume:
                    document.NamedVolumes.Add(mount.Source!);
                    service.Volumes.Add(ComposeValueResolver.Escape($"{mount.Source}:{mount.Target}{readOnly}"));
                    break;
                case ContainerMountType.BindMount when File.Exists(mount.Source):
                    // A single file (a camera's recorded video, say) travels with the compose file, so the output
                    // starts on a Docker host that does not have the build machine's paths.
                    var bundled = $"files/{resource.Name}/{Path.GetFileName(mount.Source)}";
                    document.BundledFiles[bundled] = mount.Source;
                    service.Volumes.Add(ComposeValueResolver.Escape($"./{bundled}:{mount.Target}{readOnly}"));
                    break;
                default:
                    DockerComposeLog.BindMount(logger, resource.Name, mount.Source!);
                    service.Volumes.Add(ComposeValueResolver.Escape($"{mount.Source}:{mount.Target}{readOnly}"));
                    break;
            }
        }
    }

    private async Task AddArgumentsAsync(IResource resource, ComposeService service, CancellationToken cancellationToken)
    {
        // An executable's arguments are its host command line (script paths and the like); the image it is
        // published as brings its own command.
        if (resource is ExecutableResource || !resource.TryGetAnnotationsOfType<CommandLineArgsCallbackAnnotation>(out var callbacks))
        {
            return;
        }

        var args = new List<object>();
        var context = new CommandLineArgsCallbackContext(args, resource, cancellationToken)
        {
            ExecutionContext = executionContext,
            Logger = logger,
        };
        try
        {
            foreach (var callback in callbacks)
            {
                await callback.Callback(context).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _errors.Add($"Resource '{resource.Name}': evaluating its arguments for publishing failed: {ex.Message}");
            return;
        }

        for (var i = 0; i < args.Count; i++)
        {
            if (Values.TryResolve(args[i], service, $"argument {i}") is { } value)
            {
                service.Command.Add(value.Text);
            }
        }
    }

    private async Task AddEnvironmentAsync(IResource resource, ComposeService service, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, object>(StringComparer.Ordinal);
        if (resource.TryGetAnnotationsOfType<EnvironmentCallbackAnnotation>(out var callbacks))
        {
            var context = new EnvironmentCallbackContext(executionContext, resource, variables, cancellationToken) { Logger = logger };
            try
            {
                foreach (var callback in callbacks)
                {
                    await callback.Callback(context).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _errors.Add($"Resource '{resource.Name}': evaluating its environment for publishing failed: {ex.Message}");
                return;
            }
        }

        foreach (var (name, value) in variables)
        {
            if (Values.TryResolve(value, service, $"environment variable '{name}'") is { } resolved)
            {
                service.Environment.Add(new(name, resolved.Text));
            }
        }

        // Aspire injects OTLP settings only in run mode (they point at the AppHost's dashboard); in compose the
        // dashboard is a service of its own.
        if (options.IncludeDashboard && resource.TryGetLastAnnotation<OtlpExporterAnnotation>(out var otlp))
        {
            var http = otlp.RequiredProtocol is OtlpProtocol.HttpProtobuf or OtlpProtocol.HttpJson;
            AddIfMissing(service, "OTEL_EXPORTER_OTLP_ENDPOINT",
                $"http://{options.DashboardServiceName}:{(http ? DashboardOtlpHttpPort : DashboardOtlpGrpcPort)}");
            AddIfMissing(service, "OTEL_EXPORTER_OTLP_PROTOCOL", http ? "http/protobuf" : "grpc");
            AddIfMissing(service, "OTEL_SERVICE_NAME", ComposeValueResolver.Escape(resource.Name));
        }
    }

    private void AddDependencies(IResource resource, ComposeService service)
    {
        if (!resource.TryGetAnnotationsOfType<WaitAnnotation>(out var waits))
        {
            return;
        }

        foreach (var wait in waits)
        {
            var target = wait.Resource;
            while (!_services.ContainsKey(target) && !_leftOut.ContainsKey(target) && target is IResourceWithParent child)
            {
                target = child.Parent;
            }

            if (_leftOut.TryGetValue(target, out var why))
            {
                _errors.Add($"Resource '{resource.Name}' waits for '{wait.Resource.Name}', which is not in the compose file because {why}; " +
                    $"remove the WaitFor or publish '{target.Name}'.");
                continue;
            }

            if (!_services.TryGetValue(target, out var targetService))
            {
                // A parameter or connection string: nothing to start, nothing to wait for.
                continue;
            }

            var condition = wait.WaitType switch
            {
                WaitType.WaitForCompletion => "service_completed_successfully",
                WaitType.WaitUntilHealthy when target.HasAnnotationOfType<DockerComposeHealthCheckAnnotation>() => "service_healthy",
                _ => "service_started",
            };
            if (wait.WaitType == WaitType.WaitUntilHealthy && condition == "service_started")
            {
                DockerComposeLog.NoHealthCheck(logger, resource.Name, target.Name);
            }

            if (condition == "service_completed_successfully")
            {
                targetService.RestartUnlessStopped = false;
            }

            var existing = service.DependsOn.FindIndex(d => d.Key == targetService.Name);
            if (existing < 0)
            {
                service.DependsOn.Add(new(targetService.Name, condition));
            }
            else if (Strength(condition) > Strength(service.DependsOn[existing].Value))
            {
                service.DependsOn[existing] = new(targetService.Name, condition);
            }
        }

        static int Strength(string condition) => condition switch
        {
            "service_completed_successfully" => 2,
            "service_healthy" => 1,
            _ => 0,
        };
    }

    private ComposeService CreateDashboardService()
    {
        var dashboard = new ComposeService(options.DashboardServiceName, options.DashboardServiceName)
        {
            Image = options.DashboardImage,
        };
        var address = string.IsNullOrWhiteSpace(options.DashboardHostAddress) ? "" : options.DashboardHostAddress.Trim() + ":";
        dashboard.Ports.Add(options.DashboardHostPort == 0
            ? $"{address}{(address.Length > 0 ? ":" : "")}{DashboardUiPort}"
            : $"{address}{options.DashboardHostPort}:{DashboardUiPort}");
        dashboard.Expose.Add(DashboardOtlpGrpcPort.ToString(CultureInfo.InvariantCulture));
        dashboard.Expose.Add(DashboardOtlpHttpPort.ToString(CultureInfo.InvariantCulture));

        // The browser logs in with the token the dashboard prints at start (BrowserToken), unless anonymous access is
        // asked for. OTLP is only reachable inside the compose network, where every service sends without a key.
        dashboard.Environment.Add(new("DASHBOARD__FRONTEND__AUTHMODE", options.DashboardAllowAnonymous ? "Unsecured" : "BrowserToken"));
        dashboard.Environment.Add(new("DASHBOARD__OTLP__AUTHMODE", "Unsecured"));
        return dashboard;
    }

    private void AddEnvEntries(ComposeDocument document)
    {
        foreach (var (variable, parameter) in Values.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var users = string.Join(", ", _services.Values
                .Where(s => s.Environment.Any(e => e.Value.Contains("${" + variable + "}", StringComparison.Ordinal))
                    || s.Command.Any(c => c.Contains("${" + variable + "}", StringComparison.Ordinal))
                    || s.Build?.Args.Any(a => a.Value.Contains("${" + variable + "}", StringComparison.Ordinal)) == true)
                .Select(s => s.Name));
            var comment = new StringBuilder($"Parameter '{parameter.Name}'");
            if (!string.IsNullOrWhiteSpace(parameter.Description))
            {
                comment.Append(": ").Append(parameter.Description.ReplaceLineEndings(" "));
            }

            comment.Append(CultureInfo.InvariantCulture, $" (used by {users})");
            if (parameter.Secret)
            {
                comment.Append(". Secret: never written by publish; set it here or in the environment before docker compose up.");
                document.EnvEntries.Add(new(variable, comment.ToString(), ""));
                continue;
            }

            var value = PublishedValue(parameter);
            if (value.Length == 0)
            {
                comment.Append(". No value at publish time: set one before docker compose up.");
            }

            document.EnvEntries.Add(new(variable, comment.ToString(), value));
        }
    }

    /// <summary>A non-secret parameter's value as known at publish time: its default, else its configured value.</summary>
    private string PublishedValue(ParameterResource parameter)
    {
        if (parameter.Default is { } parameterDefault and not GenerateParameterDefault)
        {
            return parameterDefault.GetDefaultValue();
        }

        var key = parameter.IsConnectionString ? $"ConnectionStrings:{parameter.Name}" : $"Parameters:{parameter.Name}";
        return configuration[key] ?? "";
    }

    private static void AddIfMissing(ComposeService service, string name, string value)
    {
        if (!service.Environment.Any(e => e.Key == name))
        {
            service.Environment.Add(new(name, value));
        }
    }

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }
}
