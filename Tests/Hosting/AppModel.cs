using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace AspirePipeline.Tests.Hosting;

/// <summary>
/// Builds the real AppHost's model (its Program runs up to <c>Build()</c>) without starting anything, and evaluates
/// the environment and argument callbacks the way the orchestrator would before launching a resource.
/// </summary>
internal static class AppModel
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromSeconds(60);

    public static async Task<IDistributedApplicationTestingBuilder> BuildAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(BuildTimeout);
        return await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, timeout.Token);
    }

    public static T Single<T>(this IDistributedApplicationTestingBuilder builder, string name) where T : IResource =>
        Assert.IsType<T>(Assert.Single(builder.Resources, r => r.Name == name), exactMatch: false);

    public static async Task<Dictionary<string, object>> EnvironmentAsync(
        IResource resource, DistributedApplicationOperation operation = DistributedApplicationOperation.Run)
    {
        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(operation), resource, environment);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return environment;
    }

    public static async Task<List<object>> ArgumentsAsync(IResource resource)
    {
        var arguments = new List<object>();
        var context = new CommandLineArgsCallbackContext(arguments, resource);
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return arguments;
    }

    /// <summary>A value as the manifest would show it: literals as-is, references as <c>{resource.bindings...}</c>.</summary>
    public static string Describe(object value) => value switch
    {
        string text => text,
        IManifestExpressionProvider expression => expression.ValueExpression,
        _ => value.ToString() ?? "",
    };
}
