using System.Net;
using AspirePipeline.Broker.Groups;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using AspirePipeline.Tests.Infrastructure;

namespace AspirePipeline.Tests.Broker;

/// <summary>
/// The group API handlers field by field, per version (layouts in shared/kafka-protocol/nonflexible-layouts.txt):
/// requests encoded as clients send them, responses decoded and checked to end exactly where the layout ends.
/// </summary>
[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class GroupsWireTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _directory = new();
    private readonly FileLogStore _store;
    private readonly GroupCoordinator _coordinator;
    private readonly IReadOnlyList<IApiHandler> _handlers;

    public GroupsWireTests()
    {
        _store = new FileLogStore(_directory.Path, NullLoggerFactory.Instance);
        _coordinator = new GroupCoordinator(
            _store.Offsets,
            Options.Create(new GroupCoordinatorOptions { InitialRebalanceDelayMs = 0 }),
            TimeProvider.System,
            NullLogger<GroupCoordinator>.Instance);
        _handlers = GroupApiHandlers.Create(_coordinator, new Identity(7, "broker.local", 19092));
    }

    public void Dispose()
    {
        _coordinator.Dispose();
        _store.Dispose();
        _directory.Dispose();
    }

    private async Task<KafkaReader> Call(ApiKey key, short version, Action<KafkaWriter> writeBody)
    {
        var handler = _handlers.Single(h => h.Key == key);
        Assert.InRange(version, handler.MinVersion, handler.MaxVersion);
        using var request = new KafkaWriter();
        writeBody(request);
        var context = new RequestContext(key, version, 1, "wire-test", new KafkaReader(request.WrittenMemory.ToArray()), 1,
            new IPEndPoint(IPAddress.Loopback, 50_000));
        using var response = new KafkaWriter();
        Assert.True(await handler.HandleAsync(context, response, CancellationToken.None).AsTask().WaitAsync(Deadline));
        Assert.Equal(0, context.Body.Remaining);
        return new KafkaReader(response.WrittenMemory.ToArray());
    }

    private static void WriteProtocols(KafkaWriter w) =>
        w.WriteArray<(string, byte[])>([("range", [1, 2]), ("roundrobin", [3])], (pw, p) =>
        {
            pw.WriteString(p.Item1);
            pw.WriteBytes(p.Item2);
        });

    [Fact]
    public async Task FindCoordinator_answers_with_this_broker_for_groups_and_an_error_for_transactions()
    {
        var v0 = await Call(ApiKey.FindCoordinator, 0, w => w.WriteString("g"));
        Assert.Equal((ErrorCode.None, 7, "broker.local", 19092), (v0.ReadInt16(), v0.ReadInt32(), v0.ReadString(), v0.ReadInt32()));
        Assert.Equal(0, v0.Remaining);

        var v2 = await Call(ApiKey.FindCoordinator, 2, w =>
        {
            w.WriteString("g");
            w.WriteInt8(0);
        });
        Assert.Equal((0, ErrorCode.None, (string?)null), (v2.ReadInt32(), v2.ReadInt16(), v2.ReadNullableString()));
        Assert.Equal((7, "broker.local", 19092), (v2.ReadInt32(), v2.ReadString(), v2.ReadInt32()));
        Assert.Equal(0, v2.Remaining);

        var transaction = await Call(ApiKey.FindCoordinator, 1, w =>
        {
            w.WriteString("tx");
            w.WriteInt8(1);
        });
        Assert.Equal((0, ErrorCode.CoordinatorNotAvailable), (transaction.ReadInt32(), transaction.ReadInt16()));
        Assert.Contains("transactions", transaction.ReadNullableString());
        Assert.Equal((-1, "", -1), (transaction.ReadInt32(), transaction.ReadString(), transaction.ReadInt32()));
    }

    [Fact]
    public async Task Current_versions_join_sync_heartbeat_describe_and_leave()
    {
        void JoinBody(KafkaWriter w, string memberId)
        {
            w.WriteString("g");
            w.WriteInt32(10_000);
            w.WriteInt32(30_000);
            w.WriteString(memberId);
            w.WriteNullableString(null);
            w.WriteString("consumer");
            WriteProtocols(w);
        }

        var required = await Call(ApiKey.JoinGroup, 5, w => JoinBody(w, ""));
        Assert.Equal((0, ErrorCode.MemberIdRequired, -1), (required.ReadInt32(), required.ReadInt16(), required.ReadInt32()));
        Assert.Equal(("", ""), (required.ReadString(), required.ReadString()));
        var memberId = required.ReadString();
        Assert.StartsWith("wire-test-", memberId);
        Assert.Equal(0, required.ReadInt32());
        Assert.Equal(0, required.Remaining);

        var joined = await Call(ApiKey.JoinGroup, 5, w => JoinBody(w, memberId));
        Assert.Equal((0, ErrorCode.None, 1), (joined.ReadInt32(), joined.ReadInt16(), joined.ReadInt32()));
        Assert.Equal(("range", memberId, memberId), (joined.ReadString(), joined.ReadString(), joined.ReadString()));
        Assert.Equal(1, joined.ReadInt32());
        Assert.Equal((memberId, (string?)null), (joined.ReadString(), joined.ReadNullableString()));
        Assert.Equal([1, 2], joined.ReadBytes().ToArray());
        Assert.Equal(0, joined.Remaining);

        var synced = await Call(ApiKey.SyncGroup, 3, w =>
        {
            w.WriteString("g");
            w.WriteInt32(1);
            w.WriteString(memberId);
            w.WriteNullableString(null);
            w.WriteArray([memberId], (aw, id) =>
            {
                aw.WriteString(id);
                aw.WriteBytes([0, 1, 0, 0, 0, 0]);
            });
        });
        Assert.Equal((0, ErrorCode.None), (synced.ReadInt32(), synced.ReadInt16()));
        Assert.Equal([0, 1, 0, 0, 0, 0], synced.ReadBytes().ToArray());
        Assert.Equal(0, synced.Remaining);

        var heartbeat = await Call(ApiKey.Heartbeat, 3, w =>
        {
            w.WriteString("g");
            w.WriteInt32(1);
            w.WriteString(memberId);
            w.WriteNullableString(null);
        });
        Assert.Equal((0, ErrorCode.None), (heartbeat.ReadInt32(), heartbeat.ReadInt16()));
        Assert.Equal(0, heartbeat.Remaining);

        var described = await Call(ApiKey.DescribeGroups, 4, w =>
        {
            w.WriteArray(["g"], (gw, g) => gw.WriteString(g));
            w.WriteBoolean(true);
        });
        Assert.Equal((0, 1), (described.ReadInt32(), described.ReadInt32()));
        Assert.Equal((ErrorCode.None, "g", "Stable"), (described.ReadInt16(), described.ReadString(), described.ReadString()));
        Assert.Equal(("consumer", "range", 1), (described.ReadString(), described.ReadString(), described.ReadInt32()));
        Assert.Equal((memberId, (string?)null), (described.ReadString(), described.ReadNullableString()));
        Assert.Equal(("wire-test", "/127.0.0.1"), (described.ReadString(), described.ReadString()));
        Assert.Equal([1, 2], described.ReadBytes().ToArray());
        Assert.Equal([0, 1, 0, 0, 0, 0], described.ReadBytes().ToArray());
        Assert.Equal(int.MinValue, described.ReadInt32());
        Assert.Equal(0, described.Remaining);

        var left = await Call(ApiKey.LeaveGroup, 3, w =>
        {
            w.WriteString("g");
            w.WriteArray([memberId, "stranger"], (mw, id) =>
            {
                mw.WriteString(id);
                mw.WriteNullableString(null);
            });
        });
        Assert.Equal((0, ErrorCode.None, 2), (left.ReadInt32(), left.ReadInt16(), left.ReadInt32()));
        Assert.Equal((memberId, (string?)null, ErrorCode.None), (left.ReadString(), left.ReadNullableString(), left.ReadInt16()));
        Assert.Equal(("stranger", (string?)null, ErrorCode.UnknownMemberId), (left.ReadString(), left.ReadNullableString(), left.ReadInt16()));
        Assert.Equal(0, left.Remaining);
    }

    [Fact]
    public async Task Version_zero_layouts_have_no_throttle_time_and_no_member_id_round_trip()
    {
        var joined = await Call(ApiKey.JoinGroup, 0, w =>
        {
            w.WriteString("old");
            w.WriteInt32(10_000);
            w.WriteString("");
            w.WriteString("consumer");
            WriteProtocols(w);
        });
        Assert.Equal((ErrorCode.None, 1, "range"), (joined.ReadInt16(), joined.ReadInt32(), joined.ReadString()));
        var leader = joined.ReadString();
        Assert.Equal(leader, joined.ReadString());
        Assert.Equal(1, joined.ReadInt32());
        Assert.Equal(leader, joined.ReadString());
        Assert.Equal([1, 2], joined.ReadBytes().ToArray());
        Assert.Equal(0, joined.Remaining);

        var synced = await Call(ApiKey.SyncGroup, 0, w =>
        {
            w.WriteString("old");
            w.WriteInt32(1);
            w.WriteString(leader);
            w.WriteInt32(0);
        });
        Assert.Equal(ErrorCode.None, synced.ReadInt16());
        Assert.Equal(0, synced.ReadBytes().Length);
        Assert.Equal(0, synced.Remaining);

        var heartbeat = await Call(ApiKey.Heartbeat, 0, w =>
        {
            w.WriteString("old");
            w.WriteInt32(0);
            w.WriteString(leader);
        });
        Assert.Equal(ErrorCode.IllegalGeneration, heartbeat.ReadInt16());
        Assert.Equal(0, heartbeat.Remaining);

        var described = await Call(ApiKey.DescribeGroups, 0, w => w.WriteArray(["old", "missing"], (gw, g) => gw.WriteString(g)));
        Assert.Equal(2, described.ReadInt32());
        Assert.Equal((ErrorCode.None, "old", "Stable", "consumer", "range"),
            (described.ReadInt16(), described.ReadString(), described.ReadString(), described.ReadString(), described.ReadString()));
        Assert.Equal((1, leader, "wire-test", "/127.0.0.1"),
            (described.ReadInt32(), described.ReadString(), described.ReadString(), described.ReadString()));
        Assert.Equal([1, 2], described.ReadBytes().ToArray());
        Assert.Equal(0, described.ReadBytes().Length);
        Assert.Equal((ErrorCode.None, "missing", "Dead", "", "", 0),
            (described.ReadInt16(), described.ReadString(), described.ReadString(), described.ReadString(), described.ReadString(),
                described.ReadInt32()));
        Assert.Equal(0, described.Remaining);

        var listed = await Call(ApiKey.ListGroups, 0, _ => { });
        Assert.Equal((ErrorCode.None, 1, "old", "consumer"), (listed.ReadInt16(), listed.ReadInt32(), listed.ReadString(), listed.ReadString()));
        Assert.Equal(0, listed.Remaining);

        var leftUnknown = await Call(ApiKey.LeaveGroup, 0, w =>
        {
            w.WriteString("old");
            w.WriteString("stranger");
        });
        Assert.Equal(ErrorCode.UnknownMemberId, leftUnknown.ReadInt16());
        var left = await Call(ApiKey.LeaveGroup, 1, w =>
        {
            w.WriteString("old");
            w.WriteString(leader);
        });
        Assert.Equal((0, ErrorCode.None), (left.ReadInt32(), left.ReadInt16()));
        Assert.Equal(0, left.Remaining);
    }

    [Fact]
    public async Task Offset_commit_and_fetch_round_trip_offsets_epochs_and_metadata_across_versions()
    {
        var v2 = await Call(ApiKey.OffsetCommit, 2, w =>
        {
            w.WriteString("simple");
            w.WriteInt32(-1);
            w.WriteString("");
            w.WriteInt64(-1);
            w.WriteArray(["frames"], (tw, topic) =>
            {
                tw.WriteString(topic);
                tw.WriteArray([0, 1], (pw, partition) =>
                {
                    pw.WriteInt32(partition);
                    pw.WriteInt64(10 + partition);
                    pw.WriteNullableString(partition == 0 ? "first" : null);
                });
            });
        });
        Assert.Equal((1, "frames", 2), (v2.ReadInt32(), v2.ReadString(), v2.ReadInt32()));
        Assert.Equal((0, ErrorCode.None, 1, ErrorCode.None), (v2.ReadInt32(), v2.ReadInt16(), v2.ReadInt32(), v2.ReadInt16()));
        Assert.Equal(0, v2.Remaining);

        var v7 = await Call(ApiKey.OffsetCommit, 7, w =>
        {
            w.WriteString("simple");
            w.WriteInt32(-1);
            w.WriteString("");
            w.WriteNullableString(null);
            w.WriteArray(["other"], (tw, topic) =>
            {
                tw.WriteString(topic);
                tw.WriteArray([2], (pw, partition) =>
                {
                    pw.WriteInt32(partition);
                    pw.WriteInt64(99);
                    pw.WriteInt32(5);
                    pw.WriteNullableString("{\"frame\":99}");
                });
            });
        });
        Assert.Equal((0, 1, "other", 1, 2, ErrorCode.None),
            (v7.ReadInt32(), v7.ReadInt32(), v7.ReadString(), v7.ReadInt32(), v7.ReadInt32(), v7.ReadInt16()));
        Assert.Equal(0, v7.Remaining);

        var v1 = await Call(ApiKey.OffsetFetch, 1, w =>
        {
            w.WriteString("simple");
            w.WriteArray(["frames"], (tw, topic) =>
            {
                tw.WriteString(topic);
                tw.WriteArray([0, 1, 2], (pw, partition) => pw.WriteInt32(partition));
            });
        });
        Assert.Equal((1, "frames", 3), (v1.ReadInt32(), v1.ReadString(), v1.ReadInt32()));
        Assert.Equal((0, 10L, "first", ErrorCode.None), (v1.ReadInt32(), v1.ReadInt64(), v1.ReadNullableString(), v1.ReadInt16()));
        Assert.Equal((1, 11L, "", ErrorCode.None), (v1.ReadInt32(), v1.ReadInt64(), v1.ReadNullableString(), v1.ReadInt16()));
        Assert.Equal((2, -1L, "", ErrorCode.None), (v1.ReadInt32(), v1.ReadInt64(), v1.ReadNullableString(), v1.ReadInt16()));
        Assert.Equal(0, v1.Remaining);

        // v5 with null topics: every committed partition, with leader epochs.
        var v5 = await Call(ApiKey.OffsetFetch, 5, w =>
        {
            w.WriteString("simple");
            w.WriteInt32(-1);
        });
        Assert.Equal(0, v5.ReadInt32());
        var topics = new Dictionary<string, List<(int, long, int, string?, short)>>();
        var topicCount = v5.ReadInt32();
        for (var t = 0; t < topicCount; t++)
        {
            var name = v5.ReadString();
            topics[name] = v5.ReadArray(r => (r.ReadInt32(), r.ReadInt64(), r.ReadInt32(), r.ReadNullableString(), r.ReadInt16()));
        }

        Assert.Equal(ErrorCode.None, v5.ReadInt16());
        Assert.Equal(0, v5.Remaining);
        Assert.Equal([(0, 10L, -1, "first", ErrorCode.None), (1, 11L, -1, "", ErrorCode.None)], topics["frames"]);
        Assert.Equal([(2, 99L, 5, "{\"frame\":99}", ErrorCode.None)], topics["other"]);
    }

    [Fact]
    public async Task ListGroups_and_DeleteGroups_report_per_group_outcomes()
    {
        await _coordinator.JoinGroupAsync(new JoinGroupRequestData("busy", 10_000, 10_000, "", null, "consumer",
            [new GroupProtocol("range", [])], false, "c", "/127.0.0.1"), CancellationToken.None).WaitAsync(Deadline);
        _coordinator.CommitOffsets(new OffsetCommitRequestData("idle", -1, "", null,
            [new OffsetCommitTopic("frames", [new OffsetCommitPartition(0, 1, -1, null)])]));

        var listed = await Call(ApiKey.ListGroups, 2, _ => { });
        Assert.Equal((0, ErrorCode.None), (listed.ReadInt32(), listed.ReadInt16()));
        var groups = listed.ReadArray(r => (r.ReadString(), r.ReadString()));
        Assert.Equal(0, listed.Remaining);
        Assert.Equal([("busy", "consumer"), ("idle", "")], groups.OrderBy(g => g.Item1));

        var deleted = await Call(ApiKey.DeleteGroups, 1, w => w.WriteArray(["busy", "idle", "nope"], (gw, g) => gw.WriteString(g)));
        Assert.Equal(0, deleted.ReadInt32());
        Assert.Equal(
            [("busy", ErrorCode.NonEmptyGroup), ("idle", ErrorCode.None), ("nope", ErrorCode.GroupIdNotFound)],
            deleted.ReadArray(r => (r.ReadString(), r.ReadInt16())));
        Assert.Equal(0, deleted.Remaining);
    }

    [Fact]
    public async Task Truncated_or_lying_requests_are_malformed_not_crashes()
    {
        await Assert.ThrowsAsync<MalformedRequestException>(() => Call(ApiKey.JoinGroup, 5, w =>
        {
            w.WriteString("g");
            w.WriteInt32(10_000);
        }));
        await Assert.ThrowsAsync<MalformedRequestException>(() => Call(ApiKey.OffsetFetch, 5, w =>
        {
            w.WriteString("g");
            w.WriteInt32(int.MaxValue);
        }));
        await Assert.ThrowsAsync<MalformedRequestException>(() => Call(ApiKey.SyncGroup, 3, w =>
        {
            w.WriteString("g");
            w.WriteInt32(1);
            w.WriteString("m");
            w.WriteNullableString(null);
            w.WriteInt32(1_000_000);
        }));
    }

    private sealed record Identity(int NodeId, string Host, int Port) : IBrokerIdentity;
}
