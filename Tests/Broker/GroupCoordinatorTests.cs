using System.Diagnostics.Metrics;
using AspirePipeline.Broker.Groups;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker;

/// <summary>
/// The classic group state machine, driven directly (no sockets) on a fake clock so session and rebalance timeouts are
/// exact, with committed offsets in the real file store.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class GroupCoordinatorTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly GroupProtocol[] RangeFirst = [new("range", [1, 1]), new("roundrobin", [2, 2])];

    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private FileLogStore _store;
    private GroupCoordinator _coordinator;

    public GroupCoordinatorTests()
    {
        _store = new FileLogStore(_directory.Path, NullLoggerFactory.Instance);
        _coordinator = CreateCoordinator(initialRebalanceDelayMs: 0);
    }

    public void Dispose()
    {
        _coordinator.Dispose();
        _store.Dispose();
        _directory.Dispose();
    }

    private GroupCoordinator CreateCoordinator(int initialRebalanceDelayMs) => new(
        _store.Offsets,
        Options.Create(new GroupCoordinatorOptions { InitialRebalanceDelayMs = initialRebalanceDelayMs }),
        _time,
        NullLogger<GroupCoordinator>.Instance);

    private static JoinGroupRequestData JoinRequest(
        string group,
        string memberId = "",
        int sessionMs = 10_000,
        int rebalanceMs = 30_000,
        IReadOnlyList<GroupProtocol>? protocols = null,
        string? instanceId = null,
        bool requireKnownMemberId = true,
        string protocolType = "consumer",
        string clientId = "client") =>
        new(group, sessionMs, rebalanceMs, memberId, instanceId, protocolType, protocols ?? RangeFirst, requireKnownMemberId, clientId, "/127.0.0.1");

    private Task<JoinGroupResult> Join(JoinGroupRequestData request) => _coordinator.JoinGroupAsync(request, CancellationToken.None);

    private Task<SyncGroupResult> Sync(string group, int generation, string memberId, params (string, byte[])[] assignments) =>
        _coordinator.SyncGroupAsync(new SyncGroupRequestData(group, generation, memberId, null, assignments), CancellationToken.None);

    private async Task<string> NewMemberId(string group, int sessionMs = 10_000)
    {
        var first = await Join(JoinRequest(group, sessionMs: sessionMs));
        Assert.Equal(ErrorCode.MemberIdRequired, first.ErrorCode);
        return first.MemberId;
    }

    /// <summary>A (leader, assigned [0]) and B (assigned [1]) in a Stable generation 2.</summary>
    private async Task<(string A, string B, int Generation)> StableGroupOfTwo(string group, int sessionMs = 10_000)
    {
        var a = await NewMemberId(group, sessionMs);
        var first = await Join(JoinRequest(group, a, sessionMs)).WaitAsync(Deadline);
        Assert.Equal(1, first.GenerationId);
        Assert.Equal(ErrorCode.None, (await Sync(group, 1, a, (a, [9])).WaitAsync(Deadline)).ErrorCode);

        var b = await NewMemberId(group, sessionMs);
        var bJoin = Join(JoinRequest(group, b, sessionMs));
        Assert.Equal(ErrorCode.RebalanceInProgress, _coordinator.Heartbeat(group, 1, a, null));
        var aJoin = Join(JoinRequest(group, a, sessionMs));
        var (aResult, bResult) = (await aJoin.WaitAsync(Deadline), await bJoin.WaitAsync(Deadline));
        Assert.Equal(2, aResult.GenerationId);
        var bSync = Sync(group, 2, b);
        var aSync = await Sync(group, 2, a, (a, [0]), (b, [1])).WaitAsync(Deadline);
        Assert.Equal([0], aSync.Assignment);
        Assert.Equal([1], (await bSync.WaitAsync(Deadline)).Assignment);
        return (a, b, 2);
    }

    [Fact]
    public async Task First_join_without_member_id_gets_member_id_required_then_forms_generation_one_led_by_it()
    {
        var first = await Join(JoinRequest("g", clientId: "rdkafka"));
        Assert.Equal(ErrorCode.MemberIdRequired, first.ErrorCode);
        Assert.StartsWith("rdkafka-", first.MemberId);
        Assert.Equal(GroupState.Empty, _coordinator.DescribeGroup("g").State);

        var joined = await Join(JoinRequest("g", first.MemberId, clientId: "rdkafka")).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, joined.ErrorCode);
        Assert.Equal(1, joined.GenerationId);
        Assert.Equal("range", joined.ProtocolName);
        Assert.Equal(first.MemberId, joined.LeaderId);
        Assert.Equal(first.MemberId, joined.MemberId);
        var member = Assert.Single(joined.Members);
        Assert.Equal([1, 1], member.Metadata);
        Assert.Equal(GroupState.CompletingRebalance, _coordinator.DescribeGroup("g").State);

        var synced = await Sync("g", 1, first.MemberId, (first.MemberId, [7, 7, 7])).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, synced.ErrorCode);
        Assert.Equal([7, 7, 7], synced.Assignment);

        var described = _coordinator.DescribeGroup("g");
        Assert.Equal(GroupState.Stable, described.State);
        Assert.Equal("consumer", described.ProtocolType);
        Assert.Equal("range", described.ProtocolName);
        var describedMember = Assert.Single(described.Members);
        Assert.Equal([1, 1], describedMember.Metadata);
        Assert.Equal([7, 7, 7], describedMember.Assignment);
        Assert.Equal(("rdkafka", "/127.0.0.1"), (describedMember.ClientId, describedMember.ClientHost));
        Assert.Equal(ErrorCode.None, _coordinator.Heartbeat("g", 1, first.MemberId, null));
    }

    [Fact]
    public async Task Join_before_v4_without_member_id_joins_directly()
    {
        var joined = await Join(JoinRequest("g", requireKnownMemberId: false)).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, joined.ErrorCode);
        Assert.Equal(1, joined.GenerationId);
        Assert.Equal(joined.MemberId, joined.LeaderId);
    }

    [Fact]
    public async Task A_second_member_is_held_until_the_first_rejoins_and_followers_wait_for_the_leaders_assignment()
    {
        var a = await NewMemberId("g");
        await Join(JoinRequest("g", a)).WaitAsync(Deadline);
        await Sync("g", 1, a, (a, [0])).WaitAsync(Deadline);

        var b = await NewMemberId("g");
        var bJoin = Join(JoinRequest("g", b));
        Assert.False(bJoin.IsCompleted);
        Assert.Equal(GroupState.PreparingRebalance, _coordinator.DescribeGroup("g").State);
        Assert.Equal(ErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", 1, a, null));
        Assert.Equal(ErrorCode.RebalanceInProgress, (await Sync("g", 1, a)).ErrorCode);

        var aResult = await Join(JoinRequest("g", a)).WaitAsync(Deadline);
        var bResult = await bJoin.WaitAsync(Deadline);
        Assert.Equal((2, 2), (aResult.GenerationId, bResult.GenerationId));
        Assert.Equal((a, a), (aResult.LeaderId, bResult.LeaderId));
        Assert.Equal([a, b], aResult.Members.Select(m => m.MemberId));
        Assert.Empty(bResult.Members);

        var bSync = Sync("g", 2, b);
        Assert.False(bSync.IsCompleted);
        Assert.Equal(ErrorCode.None, _coordinator.Heartbeat("g", 2, b, null));
        var aSync = await Sync("g", 2, a, (a, [0, 1]), (b, [2])).WaitAsync(Deadline);
        Assert.Equal([0, 1], aSync.Assignment);
        Assert.Equal([2], (await bSync.WaitAsync(Deadline)).Assignment);
        Assert.Equal(GroupState.Stable, _coordinator.DescribeGroup("g").State);

        // A follower's repeated JoinGroup with unchanged metadata does not disturb a stable group.
        var again = await Join(JoinRequest("g", b)).WaitAsync(Deadline);
        Assert.Equal((ErrorCode.None, 2), (again.ErrorCode, again.GenerationId));
        Assert.Equal(GroupState.Stable, _coordinator.DescribeGroup("g").State);
    }

    [Fact]
    public async Task Heartbeat_and_sync_report_unknown_members_and_illegal_generations()
    {
        var (a, _, generation) = await StableGroupOfTwo("g");
        Assert.Equal(ErrorCode.UnknownMemberId, _coordinator.Heartbeat("nope", generation, a, null));
        Assert.Equal(ErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", generation, "stranger", null));
        Assert.Equal(ErrorCode.IllegalGeneration, _coordinator.Heartbeat("g", generation - 1, a, null));
        Assert.Equal(ErrorCode.InvalidGroupId, _coordinator.Heartbeat("", generation, a, null));
        Assert.Equal(ErrorCode.IllegalGeneration, (await Sync("g", generation + 1, a)).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, (await Sync("g", generation, "stranger")).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, (await Join(JoinRequest("g", "stranger"))).ErrorCode);
        Assert.Equal(ErrorCode.UnknownMemberId, (await Join(JoinRequest("nope", "stranger"))).ErrorCode);
    }

    [Fact]
    public async Task Join_rejects_bad_group_ids_session_timeouts_and_protocols()
    {
        Assert.Equal(ErrorCode.InvalidGroupId, (await Join(JoinRequest(""))).ErrorCode);
        Assert.Equal(ErrorCode.InvalidSessionTimeout, (await Join(JoinRequest("g", sessionMs: 10))).ErrorCode);
        Assert.Equal(ErrorCode.InvalidSessionTimeout, (await Join(JoinRequest("g", sessionMs: 2_000_000))).ErrorCode);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (await Join(JoinRequest("g", protocols: []))).ErrorCode);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (await Join(JoinRequest("g", protocolType: ""))).ErrorCode);
        Assert.Empty(_coordinator.ListGroups());

        var a = await NewMemberId("g");
        await Join(JoinRequest("g", a)).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol,
            (await Join(JoinRequest("g", protocols: [new GroupProtocol("sticky", [])]))).ErrorCode);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (await Join(JoinRequest("g", protocolType: "connect"))).ErrorCode);
    }

    [Fact]
    public async Task The_protocol_is_one_every_member_supports_in_the_leaders_order()
    {
        GroupProtocol[] leaderPrefers = [new("sticky", [3]), new("roundrobin", [2]), new("range", [1])];
        GroupProtocol[] followerPrefers = [new("range", [1]), new("roundrobin", [2])];
        var leader = await Join(JoinRequest("g", protocols: leaderPrefers, requireKnownMemberId: false)).WaitAsync(Deadline);
        await Sync("g", 1, leader.MemberId).WaitAsync(Deadline);

        var followerJoin = Join(JoinRequest("g", protocols: followerPrefers, requireKnownMemberId: false));
        var leaderJoin = Join(JoinRequest("g", leader.MemberId, protocols: leaderPrefers));
        var (leaderResult, followerResult) = (await leaderJoin.WaitAsync(Deadline), await followerJoin.WaitAsync(Deadline));
        Assert.Equal(("roundrobin", "roundrobin"), (leaderResult.ProtocolName, followerResult.ProtocolName));
        Assert.All(leaderResult.Members, m => Assert.Equal([2], m.Metadata));
    }

    [Fact]
    public async Task Leaving_rebalances_the_rest_and_a_departed_leader_is_succeeded()
    {
        var (a, b, generation) = await StableGroupOfTwo("g");
        var left = _coordinator.LeaveGroup("g", [new MemberIdentity(a, null), new MemberIdentity("stranger", null)]);
        Assert.Equal([ErrorCode.None, ErrorCode.UnknownMemberId], left.Members.Select(m => m.ErrorCode));

        Assert.Equal(ErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", generation, b, null));
        var rejoined = await Join(JoinRequest("g", b)).WaitAsync(Deadline);
        Assert.Equal(generation + 1, rejoined.GenerationId);
        Assert.Equal(b, rejoined.LeaderId);
        Assert.Equal([b], rejoined.Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", generation + 1, a, null));

        Assert.Equal(ErrorCode.None, _coordinator.LeaveGroup("g", [new MemberIdentity(b, null)]).Members[0].ErrorCode);
        var empty = _coordinator.DescribeGroup("g");
        Assert.Equal(GroupState.Empty, empty.State);
        Assert.Empty(empty.Members);
        Assert.Equal(ErrorCode.UnknownMemberId, _coordinator.LeaveGroup("nope", [new MemberIdentity(b, null)]).Members[0].ErrorCode);
    }

    [Fact]
    public async Task A_member_that_stops_heartbeating_is_expired_after_its_session_timeout()
    {
        var (a, b, generation) = await StableGroupOfTwo("g", sessionMs: 6_000);

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(ErrorCode.None, _coordinator.Heartbeat("g", generation, a, null));
        _time.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Equal(GroupState.PreparingRebalance, _coordinator.DescribeGroup("g").State);
        Assert.Equal(ErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", generation, b, null));
        Assert.Equal(ErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", generation, a, null));

        var rejoined = await Join(JoinRequest("g", a, 6_000)).WaitAsync(Deadline);
        Assert.Equal([a], rejoined.Members.Select(m => m.MemberId));
        Assert.Equal(generation + 1, rejoined.GenerationId);
    }

    [Fact]
    public async Task A_member_that_keeps_heartbeating_but_never_rejoins_is_dropped_at_the_rebalance_timeout()
    {
        var (a, b, generation) = await StableGroupOfTwo("g");
        var c = await NewMemberId("g");
        var cJoin = Join(JoinRequest("g", c, rebalanceMs: 20_000));
        var aJoin = Join(JoinRequest("g", a, rebalanceMs: 20_000));

        // B (rebalance timeout 30 s) heartbeats every 5 s but never rejoins: the rebalance waits for it...
        for (var elapsed = 0; elapsed < 25; elapsed += 5)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(ErrorCode.RebalanceInProgress, _coordinator.Heartbeat("g", generation, b, null));
        }

        Assert.False(aJoin.IsCompleted);

        // ...until the largest rebalance timeout among the members has passed.
        _time.Advance(TimeSpan.FromSeconds(5));
        var aResult = await aJoin.WaitAsync(Deadline);
        await cJoin.WaitAsync(Deadline);
        Assert.Equal([a, c], aResult.Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", aResult.GenerationId, b, null));
    }

    [Fact]
    public async Task A_rebalance_waits_for_a_member_id_it_handed_out_until_that_member_expires()
    {
        var (a, b, _) = await StableGroupOfTwo("g");
        var pending = await NewMemberId("g", sessionMs: 8_000);
        _coordinator.LeaveGroup("g", [new MemberIdentity(b, null)]);

        var aJoin = Join(JoinRequest("g", a));
        Assert.False(aJoin.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(8));
        var result = await aJoin.WaitAsync(Deadline);
        Assert.Equal([a], result.Members.Select(m => m.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, (await Join(JoinRequest("g", pending))).ErrorCode);
    }

    [Fact]
    public async Task A_new_groups_first_rebalance_waits_the_initial_delay_extended_by_each_joiner()
    {
        _coordinator.Dispose();
        _coordinator = CreateCoordinator(initialRebalanceDelayMs: 300);

        var a = await NewMemberId("g");
        var aJoin = Join(JoinRequest("g", a));
        _time.Advance(TimeSpan.FromMilliseconds(200));
        var b = await NewMemberId("g");
        var bJoin = Join(JoinRequest("g", b));
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.False(aJoin.IsCompleted);
        Assert.False(bJoin.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        var aResult = await aJoin.WaitAsync(Deadline);
        var bResult = await bJoin.WaitAsync(Deadline);
        Assert.Equal((1, 1), (aResult.GenerationId, bResult.GenerationId));
        Assert.Equal(2, aResult.Members.Count);
    }

    [Fact]
    public async Task A_follower_waiting_for_its_assignment_is_told_to_rejoin_when_a_rebalance_starts_first()
    {
        var a = await NewMemberId("g");
        var b = await NewMemberId("g");
        var aJoin = Join(JoinRequest("g", a));
        var bJoin = Join(JoinRequest("g", b));
        await Task.WhenAll(aJoin, bJoin).WaitAsync(Deadline);
        var bSync = Sync("g", 1, b);
        Assert.False(bSync.IsCompleted);

        var c = await NewMemberId("g");
        var cJoin = Join(JoinRequest("g", c));
        var interrupted = await bSync.WaitAsync(Deadline);
        Assert.Equal(ErrorCode.RebalanceInProgress, interrupted.ErrorCode);
        Assert.False(cJoin.IsCompleted);
    }

    [Fact]
    public async Task Static_members_join_without_a_member_id_round_trip_and_fence_their_old_incarnation()
    {
        var first = await Join(JoinRequest("g", instanceId: "consumer-1")).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, first.ErrorCode);
        Assert.Equal("consumer-1", Assert.Single(first.Members).GroupInstanceId);
        Assert.Equal(ErrorCode.FencedInstanceId, _coordinator.Heartbeat("g", 1, first.MemberId, "consumer-2"));

        var second = await Join(JoinRequest("g", instanceId: "consumer-1")).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, second.ErrorCode);
        Assert.NotEqual(first.MemberId, second.MemberId);
        Assert.Equal(ErrorCode.UnknownMemberId, _coordinator.Heartbeat("g", second.GenerationId, first.MemberId, null));

        var left = _coordinator.LeaveGroup("g", [new MemberIdentity("", "consumer-1")]);
        Assert.Equal(ErrorCode.None, left.Members[0].ErrorCode);
        Assert.Empty(_coordinator.DescribeGroup("g").Members);
    }

    [Fact]
    public async Task Offset_commits_check_generation_and_membership_and_round_trip_metadata()
    {
        OffsetCommitRequestData Commit(string group, int generation, string member, long offset, string? metadata = "m") =>
            new(group, generation, member, null, [new OffsetCommitTopic("frames", [new OffsetCommitPartition(0, offset, 4, metadata)])]);
        short Error(IReadOnlyList<TopicPartitionErrors> result) => result[0].Partitions[0].ErrorCode;

        // Simple commits (generation -1) by clients that assign partitions themselves.
        Assert.Equal(ErrorCode.None, Error(_coordinator.CommitOffsets(Commit("simple", -1, "", 42, "pos 42"))));
        Assert.Equal(ErrorCode.IllegalGeneration, Error(_coordinator.CommitOffsets(Commit("unknown", 3, "m", 1))));

        var (a, b, generation) = await StableGroupOfTwo("g");
        Assert.Equal(ErrorCode.None, Error(_coordinator.CommitOffsets(Commit("g", generation, a, 100))));
        Assert.Equal(ErrorCode.IllegalGeneration, Error(_coordinator.CommitOffsets(Commit("g", generation - 1, a, 1))));
        Assert.Equal(ErrorCode.UnknownMemberId, Error(_coordinator.CommitOffsets(Commit("g", generation, "stranger", 1))));
        Assert.Equal(ErrorCode.UnknownMemberId, Error(_coordinator.CommitOffsets(Commit("g", -1, "", 1))));
        Assert.Equal(ErrorCode.OffsetMetadataTooLarge,
            Error(_coordinator.CommitOffsets(Commit("g", generation, a, 1, new string('x', 5000)))));

        // During PreparingRebalance the current generation may still commit (revoking members do); not while the
        // group waits for the leader's new assignment.
        _coordinator.LeaveGroup("g", [new MemberIdentity(b, null)]);
        Assert.Equal(ErrorCode.None, Error(_coordinator.CommitOffsets(Commit("g", generation, a, 101, metadata: null))));
        var rejoined = await Join(JoinRequest("g", a)).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.RebalanceInProgress, Error(_coordinator.CommitOffsets(Commit("g", rejoined.GenerationId, a, 102))));

        var fetched = _coordinator.FetchOffsets("g", [new OffsetFetchTopic("frames", [0, 1])]);
        Assert.Equal(
            [new FetchedOffset(0, 101, 4, "", ErrorCode.None), new FetchedOffset(1, -1, -1, "", ErrorCode.None)],
            fetched.Single().Partitions);
        var simple = Assert.Single(_coordinator.FetchOffsets("simple", null));
        Assert.Equal(new FetchedOffset(0, 42, 4, "pos 42", ErrorCode.None), Assert.Single(simple.Partitions));
        Assert.Empty(_coordinator.FetchOffsets("nobody", null));
    }

    [Fact]
    public async Task Committed_offsets_outlive_the_coordinator_and_groups_are_listed_and_deleted()
    {
        var (a, b, generation) = await StableGroupOfTwo("g");
        _coordinator.CommitOffsets(new OffsetCommitRequestData("g", generation, a, null,
            [new OffsetCommitTopic("frames", [new OffsetCommitPartition(2, 77, -1, "seen")])]));
        Assert.Contains(new ListedGroup("g", "consumer", GroupState.Stable), _coordinator.ListGroups());
        Assert.Equal([new DeleteGroupResult("g", ErrorCode.NonEmptyGroup), new DeleteGroupResult("never", ErrorCode.GroupIdNotFound)],
            _coordinator.DeleteGroups(["g", "never"]));

        // A broker restart: a new coordinator over the reopened store.
        _coordinator.Dispose();
        _store.Dispose();
        _store = new FileLogStore(_directory.Path, NullLoggerFactory.Instance);
        _coordinator = CreateCoordinator(initialRebalanceDelayMs: 0);

        Assert.Contains(new ListedGroup("g", "", GroupState.Empty), _coordinator.ListGroups());
        Assert.Equal(GroupState.Empty, _coordinator.DescribeGroup("g").State);
        Assert.Equal(GroupState.Dead, _coordinator.DescribeGroup("never").State);
        var restored = _coordinator.FetchOffsets("g", [new OffsetFetchTopic("frames", [2])]);
        Assert.Equal(new FetchedOffset(2, 77, -1, "seen", ErrorCode.None), restored.Single().Partitions.Single());

        Assert.Equal([new DeleteGroupResult("g", ErrorCode.None)], _coordinator.DeleteGroups(["g"]));
        Assert.Empty(_coordinator.FetchOffsets("g", null));
        Assert.DoesNotContain(_coordinator.ListGroups(), g => g.GroupId == "g");
    }

    [Fact]
    public async Task A_join_abandoned_by_its_connection_does_not_count_as_rejoined()
    {
        var (a, b, generation) = await StableGroupOfTwo("g");
        _coordinator.LeaveGroup("g", [new MemberIdentity(b, null)]);
        var c = await NewMemberId("g");
        using var connectionClosed = new CancellationTokenSource();
        var abandoned = _coordinator.JoinGroupAsync(JoinRequest("g", c), connectionClosed.Token);
        await connectionClosed.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        var aJoin = Join(JoinRequest("g", a));
        Assert.False(aJoin.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(30));
        var result = await aJoin.WaitAsync(Deadline);
        Assert.Equal(generation + 1, result.GenerationId);
        Assert.Equal([a], result.Members.Select(m => m.MemberId));
    }

    [Fact]
    public async Task Registration_provides_the_ten_group_apis_and_the_group_metrics()
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Broker:Groups:InitialRebalanceDelayMs"] = "0" })
                .Build())
            .AddLogging()
            .AddMetrics()
            .AddSingleton<ILogStore>(_store)
            .AddSingleton<IBrokerIdentity>(new Identity(1, "localhost", 9092))
            .AddGroupCoordinator();
        await using var provider = services.BuildServiceProvider();

        var ranges = provider.GetServices<IApiHandler>().ToDictionary(h => h.Key, h => (h.MinVersion, h.MaxVersion));
        Assert.Equal(new Dictionary<ApiKey, (short, short)>
        {
            [ApiKey.FindCoordinator] = (0, 2),
            [ApiKey.JoinGroup] = (0, 5),
            [ApiKey.SyncGroup] = (0, 3),
            [ApiKey.Heartbeat] = (0, 3),
            [ApiKey.LeaveGroup] = (0, 3),
            [ApiKey.OffsetCommit] = (2, 7),
            [ApiKey.OffsetFetch] = (1, 5),
            [ApiKey.ListGroups] = (0, 2),
            [ApiKey.DescribeGroups] = (0, 4),
            [ApiKey.DeleteGroups] = (0, 1),
        }, ranges);

        var coordinator = provider.GetRequiredService<GroupCoordinator>();
        var meterFactory = provider.GetRequiredService<IMeterFactory>();
        var measured = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this container's meter: other tests' brokers in this process publish under the same name.
            if (instrument.Meter.Name == GroupCoordinator.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            measured[instrument.Name] = measured.GetValueOrDefault(instrument.Name) + value);
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => measured[instrument.Name] = value);
        listener.Start();

        var joined = await coordinator.JoinGroupAsync(JoinRequest("metrics", requireKnownMemberId: false), CancellationToken.None)
            .WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, joined.ErrorCode);
        listener.RecordObservableInstruments();
        Assert.Equal(1, measured["broker.group.rebalances"]);
        Assert.Equal(1, measured["broker.groups"]);
        Assert.Equal(1, measured["broker.group.members"]);
    }

    private sealed record Identity(int NodeId, string Host, int Port) : IBrokerIdentity;
}
