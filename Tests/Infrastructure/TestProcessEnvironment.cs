using System.Runtime.CompilerServices;

namespace AspirePipeline.Tests.Infrastructure;

internal static class TestProcessEnvironment
{
    /// <summary>
    /// The suite builds dozens of hosts and starts service processes that inherit this environment. Each host would
    /// otherwise watch its appsettings files, and Linux allows a user only 128 inotify instances (all processes of
    /// the user together), so a full run ran out of them. Nothing in a test edits configuration files while running.
    /// Set once here, at assembly load: in-process hosts read it from the DOTNET_ environment, and the broker, service
    /// and AppHost processes the tests start inherit it, whichever runner started the tests.
    /// </summary>
    [ModuleInitializer]
    internal static void DisableConfigurationFileWatching() =>
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
}
