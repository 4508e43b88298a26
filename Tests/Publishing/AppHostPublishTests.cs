using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace AspirePipeline.Tests.Publishing;

/// <summary>
/// Publishes the real AppHost (its Program, as <c>aspire publish</c> runs it) and checks the deployment it describes.
/// One publish is shared by the tests: they only read the files.
/// </summary>
public sealed class AppHostPublishTests(AppHostPublishTests.PublishedAppHost published) : IClassFixture<AppHostPublishTests.PublishedAppHost>
{
    public sealed class PublishedAppHost : IAsyncLifetime
    {
        private readonly string _directory = ComposePublish.NewDirectory();

        internal ComposePublish Output { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            using var timeout = new CancellationTokenSource(ComposePublish.Timeout);
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(ComposePublish.PublishArgs(_directory), timeout.Token);
            await using var app = await builder.BuildAsync(timeout.Token);
            await app.RunAsync(timeout.Token).WaitAsync(ComposePublish.Timeout);
            Output = ComposePublish.Open(_directory);
        }

        public Task DisposeAsync()
        {
            Output?.Dispose();
            return Task.CompletedTask;
        }
    }

    private ComposePublish Output => published.Output;

    [Fact]
    public async Task Docker_compose_accepts_the_published_apphost()
    {
        var (exitCode, output) = await Output.ComposeConfigAsync();

        Assert.True(exitCode == 0, $"docker-compose config rejected the AppHost's output:\n{output}");
    }

    [Fact]
    public void Every_service_sends_telemetry_to_the_dashboard_service()
    {
        var dashboard = Output.Service("aspire-dashboard");
        Assert.Equal("mcr.microsoft.com/dotnet/aspire-dashboard:latest", ComposePublish.Scalar(dashboard, "image"));
        Assert.Contains("18889", ComposePublish.List(dashboard, "expose"));
    }
}
