using System.Globalization;
using System.Text;
using Aspire.Hosting.ApplicationModel;

namespace AspirePipeline.Hosting.Publishing;

/// <summary>
/// Turns an app-model value (a string, a parameter, a connection string, an endpoint reference, an expression of
/// those) into the text of a compose file: references become service names and target ports, parameters become
/// <c>${VAR}</c> (collected in <see cref="Parameters"/> for the <c>.env</c> file), literal <c>$</c> is escaped. A value
/// that cannot be written adds one error naming the resource and the value, and resolves to nothing.
/// </summary>
internal sealed class ComposeValueResolver(
    IReadOnlyDictionary<IResource, ComposeService> services,
    IReadOnlyDictionary<IResource, string> leftOut,
    List<string> errors)
{
    // Deep enough for connection strings built from expressions of expressions, shallow enough to stop a cycle.
    private const int MaxExpressionDepth = 16;

    private readonly Dictionary<string, ParameterResource> _parameters = new(StringComparer.Ordinal);

    /// <summary>Every parameter a resolved value uses, by its compose variable name.</summary>
    public IReadOnlyDictionary<string, ParameterResource> Parameters => _parameters;

    /// <summary>The value as compose text, or null after adding an error that names <paramref name="caller"/> and <paramref name="what"/>.</summary>
    public ComposeValue? TryResolve(object? value, ComposeService caller, string what)
    {
        try
        {
            return Resolve(value, caller, what, 0);
        }
        catch (ComposeResolutionException ex)
        {
            errors.Add($"Resource '{caller.ResourceName}', {what}: {ex.Message}");
            return null;
        }
    }

    private ComposeValue Resolve(object? value, ComposeService caller, string what, int depth)
    {
        if (depth > MaxExpressionDepth)
        {
            throw new ComposeResolutionException("the value's expressions nest too deeply (a reference cycle?).");
        }

        switch (value)
        {
            case null:
                return ComposeValue.Literal("");
            case string text:
                return ComposeValue.Literal(Escape(text));
            case ParameterResource parameter:
                return ComposeValue.Variable(RegisterParameter(parameter));
            case ConnectionStringReference reference:
                return Resolve(reference.ConnectionStringExpression, caller, what, depth + 1);
            case IResourceWithConnectionString resource:
                if (leftOut.TryGetValue(resource, out var why))
                {
                    throw new ComposeResolutionException(
                        $"it uses the connection string of '{resource.Name}', which is not in the compose file because {why}.");
                }

                return Resolve(resource.ConnectionStringExpression, caller, what, depth + 1);
            case EndpointReference endpoint:
                return ResolveEndpoint(endpoint, EndpointProperty.Url);
            case EndpointReferenceExpression expression:
                return ResolveEndpoint(expression.Endpoint, expression.Property);
            case ReferenceExpression expression:
                return ResolveExpression(expression, caller, what, depth);
            case ContainerImageReference image:
                return services.TryGetValue(image.Resource, out var imageService)
                    ? ComposeValue.Literal(Escape(imageService.Image!))
                    : throw new ComposeResolutionException($"it uses the image of '{image.Resource.Name}', which is not a compose service.");
            case bool flag:
                return ComposeValue.Literal(flag ? "true" : "false");
            case IFormattable formattable:
                return ComposeValue.Literal(Escape(formattable.ToString(null, CultureInfo.InvariantCulture)));
            default:
                throw new ComposeResolutionException($"a value of type {value.GetType().Name} cannot be written to a compose file.");
        }
    }

    private ComposeValue ResolveExpression(ReferenceExpression expression, ComposeService caller, string what, int depth)
    {
        if (expression.IsConditional)
        {
            var condition = Resolve(expression.Condition, caller, what, depth + 1);
            if (condition.HasVariables)
            {
                throw new ComposeResolutionException(
                    "a conditional value depends on a parameter, which compose cannot evaluate; make the condition a constant.");
            }

            var branch = string.Equals(Unescape(condition.Text), expression.MatchValue, StringComparison.OrdinalIgnoreCase)
                ? expression.WhenTrue!
                : expression.WhenFalse!;
            return Resolve(branch, caller, what, depth + 1);
        }

        var arguments = new object[expression.ValueProviders.Count];
        var hasVariables = false;
        for (var i = 0; i < arguments.Length; i++)
        {
            var part = Resolve(expression.ValueProviders[i], caller, what, depth + 1);
            if (expression.StringFormats.Count > i && expression.StringFormats[i] is { } format)
            {
                if (!string.Equals(format, "uri", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ComposeResolutionException($"the format '{format}' is not supported (only 'uri').");
                }

                if (part.HasVariables)
                {
                    throw new ComposeResolutionException(
                        "a parameter is URI-encoded in this value, which compose cannot do; pass the parameter already encoded.");
                }

                part = ComposeValue.Literal(Escape(Uri.EscapeDataString(Unescape(part.Text))));
            }

            hasVariables |= part.HasVariables;
            arguments[i] = part.Text;
        }

        // '$' in the literal parts is escaped before formatting; the arguments are escaped already.
        var text = string.Format(CultureInfo.InvariantCulture, Escape(expression.Format), arguments);
        return new ComposeValue(text, hasVariables);
    }

    private ComposeValue ResolveEndpoint(EndpointReference endpoint, EndpointProperty property)
    {
        var owner = endpoint.Resource;
        if (!services.TryGetValue(owner, out var service))
        {
            var reason = leftOut.TryGetValue(owner, out var why) ? why : "it is not a container, project or executable with an image";
            throw new ComposeResolutionException(
                $"it references endpoint '{endpoint.EndpointName}' of '{owner.Name}', which is not in the compose file because {reason}.");
        }

        if (!endpoint.Exists)
        {
            throw new ComposeResolutionException($"it references endpoint '{endpoint.EndpointName}' of '{owner.Name}', which has no such endpoint.");
        }

        var annotation = endpoint.EndpointAnnotation;
        var port = (annotation.TargetPort ?? (owner is ProjectResource ? (annotation.UriScheme == "https" ? 8443 : 8080) : null))
            ?? throw new ComposeResolutionException($"it references endpoint '{endpoint.EndpointName}' of '{owner.Name}', which has no target port.");
        var portText = port.ToString(CultureInfo.InvariantCulture);

        // Inside the compose network a service is reached by its name on the port it listens on.
        var text = property switch
        {
            EndpointProperty.Url => $"{annotation.UriScheme}://{service.Name}:{portText}",
            EndpointProperty.Host or EndpointProperty.IPV4Host => service.Name,
            EndpointProperty.Port or EndpointProperty.TargetPort => portText,
            EndpointProperty.HostAndPort => $"{service.Name}:{portText}",
            EndpointProperty.Scheme => annotation.UriScheme,
            EndpointProperty.TlsEnabled => annotation.TlsEnabled ? bool.TrueString : bool.FalseString,
            _ => throw new ComposeResolutionException($"endpoint property {property} of '{owner.Name}' is not supported."),
        };
        return ComposeValue.Literal(Escape(text));
    }

    private string RegisterParameter(ParameterResource parameter)
    {
        var variable = ToVariableName(parameter.Name);
        if (_parameters.TryGetValue(variable, out var existing) && !ReferenceEquals(existing, parameter))
        {
            throw new ComposeResolutionException(
                $"parameters '{existing.Name}' and '{parameter.Name}' both become ${{{variable}}}; rename one of them.");
        }

        _parameters[variable] = parameter;
        return variable;
    }

    private static string ToVariableName(string parameterName)
    {
        var builder = new StringBuilder(parameterName.Length + 1);
        foreach (var c in parameterName)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    /// <summary>Compose interpolates <c>$</c> everywhere in the file; a literal one is written <c>$$</c>.</summary>
    public static string Escape(string text) => text.Replace("$", "$$", StringComparison.Ordinal);

    private static string Unescape(string text) => text.Replace("$$", "$", StringComparison.Ordinal);

    internal readonly record struct ComposeValue(string Text, bool HasVariables)
    {
        public static ComposeValue Literal(string escapedText) => new(escapedText, false);

        public static ComposeValue Variable(string name) => new("${" + name + "}", true);
    }

    private sealed class ComposeResolutionException(string message) : Exception(message);
}
