using System.Globalization;
using AspirePipeline.Contracts;
using AspirePipeline.TestSupport;
using AspirePipeline.TestSupport.Network;
using CameraSetting = AspirePipeline.Contracts.ServiceEnvironment.Producer.CameraSettings;

namespace AspirePipeline.NetworkLab;

/// <summary>
/// The multi-host layout of <c>Tests/Network</c>, started on this machine: one network namespace per host on a private
/// bridge (<see cref="TestNetwork"/>), the broker, the camera simulator, the producer and the analysis hosts each in its
/// own, every service its own process configured as the published deployment configures it. Each service's log goes to
/// the console under its host's name. Disposing it kills them all and removes the network.
/// </summary>
internal sealed class Lab : IAsyncDisposable
{
    /// <summary>The one group every analysis host's Consumer joins.</summary>
    public const string Group = "analysis";

    /// <summary>Every service's HTTP port, on its host's address (each host has its own, so they share the number).</summary>
    public const int HttpPort = 8080;

    public const int BrokerPort = 9092;

    private readonly List<IAsyncDisposable> _started = [];
    private readonly List<IDisposable> _following = [];
    private readonly TimeSpan _summaryEvery;

    private Lab(TestNetwork network, LabOptions options)
    {
        Network = network;
        Partitions = options.Partitions;
        Cameras = CameraIds.Spread(options.Cameras, options.Partitions);
        _summaryEvery = options.SummaryEvery;
    }

    public TestNetwork Network { get; }

    /// <summary>The producer's cameras and the frames partition each one's frames go to.</summary>
    public IReadOnlyList<(string Id, int Partition)> Cameras { get; }

    public BrokerProcess Broker { get; private set; } = null!;

    public CameraSimulator Camera { get; private set; } = null!;

    /// <summary>The frames topic's partition count.</summary>
    public int Partitions { get; }

    public IReadOnlyList<NetworkHost> AnalysisHosts { get; private set; } = [];

    public static async Task<Lab> StartAsync(LabOptions options, LabOutput output, AssignmentTracker assignments,
        CancellationToken cancellationToken)
    {
        output.Lab($"making the hosts: {string.Join(", ", LabOptions.FixedHosts.Concat(options.AnalysisHostNames))}");
        var network = await TestNetwork.CreateAsync([.. LabOptions.FixedHosts, .. options.AnalysisHostNames]);
        var lab = new Lab(network, options);
        try
        {
            await lab.StartServicesAsync(options, output, assignments, cancellationToken);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task StartServicesAsync(LabOptions options, LabOutput output, AssignmentTracker assignments,
        CancellationToken cancellationToken)
    {
        output.Lab("starting the broker");
        Broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            Host = Network["broker"],
            Port = BrokerPort,
            // One line per record, as the services log here (ServiceProcess), for the prefixed console.
            Environment = new Dictionary<string, string>
            {
                ["Logging__Console__FormatterName"] = "simple",
                ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            },
        }, cancellationToken);
        _started.Add(Broker);
        _following.Add(Broker.Follow(output.Follower("broker")));
        await FrameTopicsAdmin.CreateAllAsync(Broker.BootstrapServers, Partitions);
        output.Lab($"topics {string.Join(", ", FrameTopicsAdmin.All)} created, {Partitions} partitions each");

        cancellationToken.ThrowIfCancellationRequested();
        output.Lab("starting the camera simulator");
        Camera = await CameraSimulator.StartAsync(Network["camera"]);
        _started.Add(Camera);
        _following.Add(Camera.Follow(output.Follower("camera")));

        cancellationToken.ThrowIfCancellationRequested();
        output.Lab($"starting the producer ({Cameras.Count} cameras) and {options.AnalysisHosts} analysis host(s)");
        var producer = ServiceProcess.Start("Producer", ProducerEnvironment(Network["producer"]), "producer", Network["producer"]);
        _started.Add(producer);
        _following.Add(producer.Follow(output.Follower("producer")));
        AnalysisHosts = [.. options.AnalysisHostNames.Select(name => Network[name])];
        foreach (var host in AnalysisHosts)
        {
            var analysis = ServiceProcess.Start("Consumer", AnalysisEnvironment(host), host.Name, host);
            _started.Add(analysis);
            var follower = output.Follower(host.Name);
            _following.Add(analysis.Follow(line =>
            {
                follower(line);
                assignments.Observe(host.Name, line);
            }));
        }
    }

    private Dictionary<string, string> ProducerEnvironment(NetworkHost host)
    {
        var environment = Common(host);
        environment[ServiceEnvironment.Producer.Topic] = FrameTopics.Frames;
        for (var index = 0; index < Cameras.Count; index++)
        {
            environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Id)] = Cameras[index].Id;
            environment[ServiceEnvironment.Producer.Camera(index, CameraSetting.Url)] = Camera.Url;
        }
        return environment;
    }

    private Dictionary<string, string> AnalysisEnvironment(NetworkHost host)
    {
        var environment = Common(host);
        environment[ServiceEnvironment.ConsumerGroup.GroupId] = Group;
        environment[ServiceEnvironment.ConsumerGroup.FramesTopic] = FrameTopics.Frames;
        environment[ServiceEnvironment.ConsumerGroup.ResultsTopic] = FrameTopics.Analysis;
        environment[ServiceEnvironment.ConsumerGroup.DeadLetterTopic] = FrameTopics.DeadLetter;
        // What the results topic's records carry as Instance: the host's name.
        environment[ServiceEnvironment.ConsumerGroup.InstanceId] = host.Name;
        // Its own per-second summary line would drown the rebalances in the console; as often as the lab's instead.
        environment["FrameProcessing__SummaryInterval"] = _summaryEvery.ToString("c", CultureInfo.InvariantCulture);
        return environment;
    }

    /// <summary>Kafka's address, and HTTP on the host's own address, so that /stats answers from this machine too.</summary>
    private Dictionary<string, string> Common(NetworkHost host) => new()
    {
        [ServiceEnvironment.ConnectionString(ConnectionNames.Kafka)] = Broker.BootstrapServers,
        ["ASPNETCORE_URLS"] = HttpUrl(host),
    };

    /// <summary>Where the service on <paramref name="host"/> answers HTTP (its <c>/stats</c>, <c>/health</c>, live view).</summary>
    public static string HttpUrl(NetworkHost host) => string.Create(CultureInfo.InvariantCulture, $"http://{host.Address}:{HttpPort}");

    /// <summary>
    /// Stops showing the services' logs (what they say while everything goes is noise), kills them (analysis hosts first,
    /// the broker last), then removes the hosts.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _following.ForEach(following => following.Dispose());
        _following.Clear();
        for (var index = _started.Count - 1; index >= 0; index--)
        {
            await _started[index].DisposeAsync();
        }
        _started.Clear();
        await Network.DisposeAsync();
    }
}
