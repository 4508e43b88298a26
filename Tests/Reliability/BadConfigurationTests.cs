using System.Diagnostics;
using System.Net;
using AspirePipeline.Contracts;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Reliability;

/// <summary>
/// Scenario 5: the real service processes started with bad settings. Settings that can never work stop the start
/// with a message naming the setting; conditions that may heal (broker or camera unreachable) keep the service up,
/// retrying, with /health answering Unhealthy.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Integration)]
[Collection("processes")]
public sealed class BadConfigurationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);
    private const string Secret = "pa55-not-for-logs-7f3a";

    private static readonly (string Case, string Project, Dictionary<string, string> Settings, string Expected)[] Fatal =
    [
        ("unknown encoding", "Producer", Camera("synthetic://?width=64&height=48&fps=5", (ServiceEnvironment.Producer.Encoding, "H265")),
            "Producer:Encoding is 'H265'; use one of Jpeg, RawBgr, SeedJson"),
        ("negative queue size", "Producer", Camera("synthetic://?width=64&height=48&fps=5", ("Producer__QueueCapacity", "-1")),
            "QueueCapacity"),
        ("negative frame width", "Producer",
            Camera("synthetic://?width=64&height=48&fps=5", ("Producer__Camera__Width", "-5"), ("Producer__Camera__Height", "48")),
            "Producer:Camera:Width is -5"),
        ("bad camera URL scheme", "Producer", Camera("ftp://camera/stream"),
            "Producer:Camera:Url 'ftp://camera/stream' has unsupported scheme 'ftp'"),
        // A machine without Debian's ffmpeg (PATH without /usr/bin here): named at start, not at the first camera read.
        ("ffmpeg not installed", "Producer", Camera("rtsp://127.0.0.1:9/camera", ("PATH", "/usr/sbin:/sbin")), "install the Debian package ffmpeg"),
        ("no Kafka connection string", "Producer", new() { ["Producer__Camera__Url"] = "synthetic://?width=64&height=48&fps=5" },
            "ConnectionStrings:kafka"),
        ("missing group id", "Consumer",
            new() { [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = "127.0.0.1:9", [ServiceEnvironment.ConsumerGroup.GroupId] = "" },
            "Aspire:Confluent:Kafka:Consumer:Config:GroupId"),
        ("negative channel capacity", "Consumer2",
            new()
            {
                [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = "127.0.0.1:9",
                [ServiceEnvironment.ConsumerGroup.GroupId] = "bad-configuration",
                ["FrameProcessing__ChannelCapacity"] = "-3",
            },
            "ChannelCapacity"),
    ];

    [Fact]
    public async Task Settings_that_cannot_work_stop_the_start_with_a_message_naming_the_setting()
    {
        var report = new Observations("5a-bad-configuration", "Bad configuration: fail fast",
            "dotnet test Tests/Tests.csproj --filter FullyQualifiedName~Reliability.BadConfigurationTests.Settings_that")
        {
            Injected = string.Join("; ", Fatal.Select(item =>
                $"{item.Project}: {item.Case} ({string.Join(", ", item.Settings.Select(s => $"{s.Key}={s.Value}"))})")),
        };
        foreach (var (name, project, settings, expected) in Fatal)
        {
            var clock = Stopwatch.StartNew();
            await using var service = ServiceProcess.Start(project, settings);
            var exitCode = await service.WaitForExitAsync(Deadline);
            var elapsed = clock.Elapsed;
            Assert.True(exitCode != 0, $"{project} with {name} exited with 0.\n{service.Output}");
            var line = service.Output.Split('\n').FirstOrDefault(l => l.Contains(expected, StringComparison.Ordinal));
            Assert.True(line is not null, $"{project} with {name}: no line names '{expected}'.\n{service.Output}");
            report.Add($"{project}, {name}", $"exit {exitCode} after {Millis.Of(elapsed)} ms: {Trim(line)}");
        }
        report.Write();
    }

    [Fact]
    public async Task An_unreachable_broker_or_camera_keeps_the_service_up_and_unhealthy_while_it_retries_and_no_secret_is_logged()
    {
        var report = new Observations("5b-unreachable", "Bad configuration: unreachable broker or camera",
            "dotnet test Tests/Tests.csproj --filter FullyQualifiedName~Reliability.BadConfigurationTests.An_unreachable")
        {
            Injected = "Producer and Consumer pointed at a closed port (with SASL/PLAIN credentials configured); " +
                "Producer with an RTSP camera URL nobody serves",
        };
        var closedPort = ClosedPort();
        await using var broker = await BrokerProcess.StartAsync();
        var sasl = new Dictionary<string, string>
        {
            ["Aspire__Confluent__Kafka__Producer__Config__SecurityProtocol"] = "SaslPlaintext",
            ["Aspire__Confluent__Kafka__Producer__Config__SaslMechanism"] = "Plain",
            ["Aspire__Confluent__Kafka__Producer__Config__SaslUsername"] = "pipeline",
            ["Aspire__Confluent__Kafka__Producer__Config__SaslPassword"] = Secret,
            ["Aspire__Confluent__Kafka__Consumer__Config__SecurityProtocol"] = "SaslPlaintext",
            ["Aspire__Confluent__Kafka__Consumer__Config__SaslMechanism"] = "Plain",
            ["Aspire__Confluent__Kafka__Consumer__Config__SaslUsername"] = "pipeline",
            ["Aspire__Confluent__Kafka__Consumer__Config__SaslPassword"] = Secret,
        };
        var cases = new (string Name, string Project, Dictionary<string, string> Settings)[]
        {
            ("Producer, broker unreachable", "Producer", Camera("synthetic://?width=64&height=48&fps=5",
                [(ServiceEnvironment.ConnectionString(ConnectionNames.Kafka), $"127.0.0.1:{closedPort}"),
                    .. sasl.Select(pair => (pair.Key, pair.Value))])),
            ("Consumer, broker unreachable", "Consumer", new(sasl)
            {
                [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = $"127.0.0.1:{closedPort}",
                [ServiceEnvironment.ConsumerGroup.GroupId] = "unreachable",
            }),
            ("Producer, camera unreachable", "Producer",
                Camera($"rtsp://127.0.0.1:{closedPort}/camera",
                    (ServiceEnvironment.ConnectionString(ConnectionNames.Kafka), broker.BootstrapServers))),
        };
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (name, project, settings) in cases)
        {
            await using var service = ServiceProcess.Start(project, settings);
            var address = await service.ListeningAsync(Deadline);
            var statuses = new List<string>();
            var unhealthy = await Poll.UntilAsync(async () =>
            {
                using var response = await http.GetAsync(new Uri(address, "/health"));
                var text = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (statuses.LastOrDefault() != text)
                {
                    statuses.Add(text);
                }
                return response.StatusCode == HttpStatusCode.ServiceUnavailable;
            }, Deadline, () => $"{name}: /health never answered 503 (saw {string.Join(", ", statuses)}).\n{service.Output}");
            Assert.False(service.HasExited, $"{name}: the service exited instead of retrying.\n{service.Output}");
            // What an operator reads: the line about the unreachable address, else the first warning.
            var lines = service.Output.Split('\n');
            var warning = lines.FirstOrDefault(line => line.Contains($":{closedPort}", StringComparison.Ordinal)
                && !line.Contains("Now listening", StringComparison.Ordinal))
                ?? lines.FirstOrDefault(line =>
                    line.StartsWith("warn", StringComparison.Ordinal) || line.StartsWith("fail", StringComparison.Ordinal));
            if (name.Contains("camera", StringComparison.Ordinal))
            {
                warning = await service.WaitForOutputAsync(line => line.Contains("stream lost or unavailable", StringComparison.Ordinal), Deadline);
            }
            Assert.DoesNotContain(Secret, service.Output, StringComparison.Ordinal);
            report.Add(name, $"up, /health {string.Join(" -> ", statuses)} after {Millis.Of(unhealthy)} ms; first warning: {Trim(warning)}");
        }
        report.Add("SASL password in any log line", false);
        report.Write();
    }

    private static Dictionary<string, string> Camera(string url, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
        {
            [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = "127.0.0.1:9",
            ["Producer__Camera__Url"] = url,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Trim(string? line) => line is null ? "(none)" : line.Length <= 300 ? line.Trim() : line[..300].Trim() + " ...";
}
