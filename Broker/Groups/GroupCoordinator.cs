using System.Diagnostics.Metrics;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspirePipeline.Broker.Groups;

/// <summary>
/// The classic consumer group protocol (JoinGroup/SyncGroup/Heartbeat/LeaveGroup) and committed offsets for a single
/// node, with Kafka's state machine: Empty → PreparingRebalance → CompletingRebalance → Stable, back to
/// PreparingRebalance on join, leave, session expiry or a leader's rejoin.
/// All group state lives under one lock: operations are tiny and few, so a single lock keeps the state machine easy to
/// reason about. Waiting requests (JoinGroup until the rebalance completes, a follower's SyncGroup until the leader
/// assigns) are TaskCompletionSources completed under the lock with asynchronous continuations, so no caller's code
/// ever runs inside it.
/// </summary>
internal sealed partial class GroupCoordinator : IDisposable
{
    /// <summary>Shared with the broker core: one Meter per component (IMeterFactory hands both the same instance).</summary>
    public const string MeterName = "AspirePipeline.Broker";

    private readonly Lock _lock = new();
    private readonly Lock _offsetsLock = new();
    private readonly Dictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private readonly IOffsetStore _offsets;
    private readonly GroupCoordinatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<GroupCoordinator> _logger;
    private readonly Counter<long>? _rebalances;
    private bool _disposed;

    public GroupCoordinator(
        IOffsetStore offsets,
        IOptions<GroupCoordinatorOptions> options,
        TimeProvider timeProvider,
        ILogger<GroupCoordinator> logger,
        IMeterFactory? meterFactory = null)
    {
        _offsets = offsets;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger;
        if (meterFactory is not null)
        {
            var meter = meterFactory.Create(MeterName);
            _rebalances = meter.CreateCounter<long>(
                "broker.group.rebalances", "{rebalance}", "Rebalances started (join, leave, session expiry, leader rejoin).");
            meter.CreateObservableGauge(
                "broker.groups", CountGroups, "{group}", "Consumer groups known to the coordinator (including empty ones).");
            meter.CreateObservableGauge(
                "broker.group.members", CountMembers, "{member}", "Members of all consumer groups.");
        }
    }

    // ---------------------------------------------------------------- JoinGroup

    public async Task<JoinGroupResult> JoinGroupAsync(JoinGroupRequestData request, CancellationToken cancellationToken)
    {
        ConsumerGroup? group;
        GroupMember? member;
        TaskCompletionSource<JoinGroupResult>? waiter;
        lock (_lock)
        {
            var immediate = Join(request, out group, out member, out waiter);
            if (immediate is not null)
            {
                return immediate;
            }
        }

        try
        {
            return await waiter!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The connection went away: the member no longer counts as rejoined, so the rebalance does not hand a
            // generation to a request nobody reads; if it does not come back it is dropped like any silent member.
            lock (_lock)
            {
                if (member!.JoinWaiter == waiter)
                {
                    member.JoinWaiter = null;
                    Reschedule(group!);
                }
            }

            throw;
        }
    }

    private JoinGroupResult? Join(
        JoinGroupRequestData request,
        out ConsumerGroup? group,
        out GroupMember? member,
        out TaskCompletionSource<JoinGroupResult>? waiter)
    {
        group = null;
        member = null;
        waiter = null;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (request.GroupId.Length == 0)
        {
            return JoinGroupResult.Error(ErrorCode.InvalidGroupId, request.MemberId);
        }

        if (request.SessionTimeoutMs < _options.MinSessionTimeoutMs || request.SessionTimeoutMs > _options.MaxSessionTimeoutMs)
        {
            return JoinGroupResult.Error(ErrorCode.InvalidSessionTimeout, request.MemberId);
        }

        if (!_groups.TryGetValue(request.GroupId, out group))
        {
            if (request.MemberId.Length > 0)
            {
                return JoinGroupResult.Error(ErrorCode.UnknownMemberId, request.MemberId);
            }

            if (request.ProtocolType.Length == 0 || request.Protocols.Count == 0)
            {
                // Refused before the group exists, so a bad request does not leave an empty group behind.
                return JoinGroupResult.Error(ErrorCode.InconsistentGroupProtocol, request.MemberId);
            }

            group = CreateGroup(request.GroupId);
        }

        if (!group.SupportsProtocols(request.ProtocolType, request.Protocols, request.MemberId))
        {
            return JoinGroupResult.Error(ErrorCode.InconsistentGroupProtocol, request.MemberId);
        }

        var now = _time.GetUtcNow();
        if (request.MemberId.Length == 0)
        {
            var newMemberId = $"{(request.ClientId.Length > 0 ? request.ClientId : "member")}-{Guid.NewGuid()}";
            if (request.GroupInstanceId is not null)
            {
                // Static membership, tolerated rather than optimised: the new incarnation replaces the old one
                // (which is fenced) and the group rebalances, instead of Kafka's rebalance-free id swap.
                if (group.FindByInstanceId(request.GroupInstanceId) is { } previous)
                {
                    RemoveMember(group, previous, ErrorCode.FencedInstanceId, "static member replaced by a new incarnation");
                }
            }
            else if (request.RequireKnownMemberId)
            {
                group.PendingMembers[newMemberId] = now + TimeSpan.FromMilliseconds(request.SessionTimeoutMs);
                Reschedule(group);
                return JoinGroupResult.Error(ErrorCode.MemberIdRequired, newMemberId);
            }

            (member, waiter) = AddMemberAndRebalance(group, newMemberId, request);
            return null;
        }

        if (group.PendingMembers.Remove(request.MemberId))
        {
            (member, waiter) = AddMemberAndRebalance(group, request.MemberId, request);
            return null;
        }

        if (!group.Members.TryGetValue(request.MemberId, out member))
        {
            return JoinGroupResult.Error(ErrorCode.UnknownMemberId, request.MemberId);
        }

        if (request.GroupInstanceId is not null && member.GroupInstanceId != request.GroupInstanceId)
        {
            return JoinGroupResult.Error(ErrorCode.FencedInstanceId, request.MemberId);
        }

        member.SessionDeadline = now + TimeSpan.FromMilliseconds(request.SessionTimeoutMs);
        var sameProtocols = member.HasSameProtocols(request.Protocols);
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                waiter = UpdateMemberAndAwaitJoin(member, request);
                TryCompleteJoin(group);
                break;
            case GroupState.CompletingRebalance when sameProtocols:
                // A retried JoinGroup (its answer was lost): repeat the current generation's answer.
                return CurrentJoinResult(group, member);
            case GroupState.Stable when sameProtocols && member.MemberId != group.LeaderId:
                return CurrentJoinResult(group, member);
            case GroupState.CompletingRebalance or GroupState.Stable:
                // Changed subscriptions, or the leader asking to reassign (e.g. topic metadata changed).
                waiter = UpdateMemberAndAwaitJoin(member, request);
                PrepareRebalance(group, member.MemberId == group.LeaderId && sameProtocols
                    ? "leader rejoined"
                    : "member changed its protocols");
                break;
            default:
                return JoinGroupResult.Error(ErrorCode.UnknownMemberId, request.MemberId);
        }

        Reschedule(group);
        return null;
    }

    private (GroupMember, TaskCompletionSource<JoinGroupResult>) AddMemberAndRebalance(
        ConsumerGroup group, string memberId, JoinGroupRequestData request)
    {
        var member = new GroupMember(memberId, request.GroupInstanceId)
        {
            SessionDeadline = _time.GetUtcNow() + TimeSpan.FromMilliseconds(request.SessionTimeoutMs),
        };
        if (group.Members.Count == 0)
        {
            group.ProtocolType = request.ProtocolType;
        }

        group.Members.Add(memberId, member);
        if (group.LeaderId is null || !group.Members.ContainsKey(group.LeaderId))
        {
            group.LeaderId = memberId;
        }

        var waiter = UpdateMemberAndAwaitJoin(member, request);
        LogMemberJoined(memberId, group.GroupId, member.ClientId, member.ClientHost);
        if (group.State == GroupState.PreparingRebalance)
        {
            if (group.InitialDelayDeadline is not null)
            {
                var extended = _time.GetUtcNow() + TimeSpan.FromMilliseconds(_options.InitialRebalanceDelayMs);
                group.InitialDelayDeadline = extended < group.RebalanceDeadline ? extended : group.RebalanceDeadline;
            }

            TryCompleteJoin(group);
        }
        else
        {
            PrepareRebalance(group, "member joined");
        }

        Reschedule(group);
        return (member, waiter);
    }

    private static TaskCompletionSource<JoinGroupResult> UpdateMemberAndAwaitJoin(GroupMember member, JoinGroupRequestData request)
    {
        member.ClientId = request.ClientId;
        member.ClientHost = request.ClientHost;
        member.SessionTimeoutMs = request.SessionTimeoutMs;
        member.RebalanceTimeoutMs = request.RebalanceTimeoutMs > 0 ? request.RebalanceTimeoutMs : request.SessionTimeoutMs;
        member.Protocols = request.Protocols;

        // A duplicate JoinGroup (e.g. from a new connection after the old one stalled) supersedes the earlier one.
        member.JoinWaiter?.TrySetResult(JoinGroupResult.Error(ErrorCode.RebalanceInProgress, member.MemberId));
        member.JoinWaiter = new TaskCompletionSource<JoinGroupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        return member.JoinWaiter;
    }

    private void PrepareRebalance(ConsumerGroup group, string reason)
    {
        if (group.State == GroupState.CompletingRebalance)
        {
            foreach (var member in group.Members.Values)
            {
                member.Assignment = [];
                member.SyncWaiter?.TrySetResult(new SyncGroupResult(ErrorCode.RebalanceInProgress, []));
                member.SyncWaiter = null;
            }
        }

        var now = _time.GetUtcNow();
        group.RebalanceStartedAt = now;
        group.InitialDelayDeadline = null;
        if (group.State == GroupState.Empty && _options.InitialRebalanceDelayMs > 0)
        {
            var delayed = now + TimeSpan.FromMilliseconds(_options.InitialRebalanceDelayMs);
            group.InitialDelayDeadline = delayed < group.RebalanceDeadline ? delayed : group.RebalanceDeadline;
        }

        group.State = GroupState.PreparingRebalance;
        _rebalances?.Add(1);
        LogPreparingRebalance(group.GroupId, group.GenerationId, reason);
        TryCompleteJoin(group);
    }

    private void TryCompleteJoin(ConsumerGroup group)
    {
        if (group.State != GroupState.PreparingRebalance)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (now < group.RebalanceDeadline)
        {
            if (group.InitialDelayDeadline is { } initialDelayEnd && now < initialDelayEnd)
            {
                return;
            }

            if (group.PendingMembers.Count > 0 || group.Members.Values.Any(m => m.JoinWaiter is null))
            {
                return;
            }
        }

        CompleteJoin(group, now);
    }

    private void CompleteJoin(ConsumerGroup group, DateTimeOffset now)
    {
        foreach (var straggler in group.Members.Values.Where(m => m.JoinWaiter is null).ToList())
        {
            LogMemberMissedRebalance(straggler.MemberId, group.GroupId, straggler.RebalanceTimeoutMs);
            DropMember(group, straggler, ErrorCode.UnknownMemberId);
        }

        group.InitialDelayDeadline = null;
        group.GenerationId++;
        if (group.Members.Count == 0)
        {
            group.State = GroupState.Empty;
            group.ProtocolName = null;
            group.LeaderId = null;
            LogGroupEmpty(group.GroupId, group.GenerationId);
            return;
        }

        group.ProtocolName = SelectProtocol(group);
        group.State = GroupState.CompletingRebalance;
        foreach (var member in group.Members.Values)
        {
            var waiter = member.JoinWaiter!;
            member.JoinWaiter = null;
            member.SessionDeadline = now + TimeSpan.FromMilliseconds(member.SessionTimeoutMs);
            waiter.TrySetResult(CurrentJoinResult(group, member));
        }

        LogGenerationFormed(group.GroupId, group.GenerationId, group.Members.Count, group.ProtocolName, group.LeaderId!);
    }

    /// <summary>A protocol every member supports, in the leader's order of preference.</summary>
    private static string SelectProtocol(ConsumerGroup group)
    {
        var leader = group.Members[group.LeaderId!];
        var members = group.Members.Values;
        return leader.Protocols.FirstOrDefault(p => members.All(m => m.Protocols.Any(mp => mp.Name == p.Name)))?.Name
            ?? leader.Protocols[0].Name;
    }

    private static JoinGroupResult CurrentJoinResult(ConsumerGroup group, GroupMember member)
    {
        var members = member.MemberId == group.LeaderId
            ? group.Members.Values.Select(m => new JoinedMember(m.MemberId, m.GroupInstanceId, m.MetadataFor(group.ProtocolName))).ToList()
            : [];
        return new JoinGroupResult(ErrorCode.None, group.GenerationId, group.ProtocolName, group.LeaderId!, member.MemberId, members);
    }

    // ---------------------------------------------------------------- SyncGroup, Heartbeat, LeaveGroup

    public async Task<SyncGroupResult> SyncGroupAsync(SyncGroupRequestData request, CancellationToken cancellationToken)
    {
        GroupMember? member;
        TaskCompletionSource<SyncGroupResult> waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var error = Validate(request.GroupId, request.GenerationId, request.MemberId, request.GroupInstanceId, out var group, out member);
            if (error != ErrorCode.None)
            {
                return new SyncGroupResult(error, []);
            }

            var now = _time.GetUtcNow();
            member!.SessionDeadline = now + TimeSpan.FromMilliseconds(member.SessionTimeoutMs);
            switch (group!.State)
            {
                case GroupState.Stable:
                    Reschedule(group);
                    return new SyncGroupResult(ErrorCode.None, member.Assignment);
                case GroupState.PreparingRebalance:
                    Reschedule(group);
                    return new SyncGroupResult(ErrorCode.RebalanceInProgress, []);
                case GroupState.CompletingRebalance:
                    break;
                default:
                    return new SyncGroupResult(ErrorCode.UnknownMemberId, []);
            }

            member.SyncWaiter?.TrySetResult(new SyncGroupResult(ErrorCode.RebalanceInProgress, []));
            waiter = new TaskCompletionSource<SyncGroupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            member.SyncWaiter = waiter;
            if (member.MemberId == group.LeaderId)
            {
                var assignments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var (memberId, assignment) in request.Assignments)
                {
                    assignments[memberId] = assignment;
                }

                group.State = GroupState.Stable;
                foreach (var each in group.Members.Values)
                {
                    each.Assignment = assignments.GetValueOrDefault(each.MemberId) ?? [];
                    each.SessionDeadline = now + TimeSpan.FromMilliseconds(each.SessionTimeoutMs);
                    each.SyncWaiter?.TrySetResult(new SyncGroupResult(ErrorCode.None, each.Assignment));
                    each.SyncWaiter = null;
                }

                LogGroupStable(group.GroupId, group.GenerationId);
            }

            Reschedule(group);
        }

        try
        {
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (member.SyncWaiter == waiter && _groups.TryGetValue(request.GroupId, out var group))
                {
                    member.SyncWaiter = null;
                    Reschedule(group);
                }
            }

            throw;
        }
    }

    public short Heartbeat(string groupId, int generationId, string memberId, string? groupInstanceId)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var error = Validate(groupId, generationId, memberId, groupInstanceId, out var group, out var member);
            if (error != ErrorCode.None)
            {
                return error;
            }

            member!.SessionDeadline = _time.GetUtcNow() + TimeSpan.FromMilliseconds(member.SessionTimeoutMs);
            Reschedule(group!);
            return group!.State switch
            {
                GroupState.PreparingRebalance => ErrorCode.RebalanceInProgress,
                GroupState.CompletingRebalance or GroupState.Stable => ErrorCode.None,
                _ => ErrorCode.UnknownMemberId,
            };
        }
    }

    /// <summary>The checks SyncGroup, Heartbeat and group OffsetCommit share, in Kafka's order.</summary>
    private short Validate(
        string groupId, int generationId, string memberId, string? groupInstanceId, out ConsumerGroup? group, out GroupMember? member)
    {
        member = null;
        if (groupId.Length == 0)
        {
            group = null;
            return ErrorCode.InvalidGroupId;
        }

        if (!_groups.TryGetValue(groupId, out group) || !group.Members.TryGetValue(memberId, out member))
        {
            return ErrorCode.UnknownMemberId;
        }

        if (groupInstanceId is not null && member.GroupInstanceId != groupInstanceId)
        {
            return ErrorCode.FencedInstanceId;
        }

        return generationId != group.GenerationId ? ErrorCode.IllegalGeneration : ErrorCode.None;
    }

    public LeaveGroupResult LeaveGroup(string groupId, IReadOnlyList<MemberIdentity> members)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (groupId.Length == 0)
            {
                return new LeaveGroupResult(ErrorCode.InvalidGroupId, []);
            }

            if (!_groups.TryGetValue(groupId, out var group))
            {
                return new LeaveGroupResult(
                    ErrorCode.None, [.. members.Select(m => new LeaveMemberResult(m.MemberId, m.GroupInstanceId, ErrorCode.UnknownMemberId))]);
            }

            var results = new List<LeaveMemberResult>(members.Count);
            foreach (var identity in members)
            {
                results.Add(new LeaveMemberResult(identity.MemberId, identity.GroupInstanceId, Leave(group, identity)));
            }

            Reschedule(group);
            return new LeaveGroupResult(ErrorCode.None, results);
        }
    }

    private short Leave(ConsumerGroup group, MemberIdentity identity)
    {
        var member = identity.MemberId.Length == 0 && identity.GroupInstanceId is not null
            ? group.FindByInstanceId(identity.GroupInstanceId)
            : group.Members.GetValueOrDefault(identity.MemberId);
        if (member is null)
        {
            if (group.PendingMembers.Remove(identity.MemberId))
            {
                TryCompleteJoin(group);
                return ErrorCode.None;
            }

            return ErrorCode.UnknownMemberId;
        }

        if (identity.GroupInstanceId is not null && member.GroupInstanceId != identity.GroupInstanceId)
        {
            return ErrorCode.FencedInstanceId;
        }

        LogMemberLeft(member.MemberId, group.GroupId);
        RemoveMember(group, member, ErrorCode.UnknownMemberId, "member left");
        return ErrorCode.None;
    }

    /// <summary>Removes a member and moves the group on: a rebalance for the others, or completion of the current one.</summary>
    private void RemoveMember(ConsumerGroup group, GroupMember member, short waiterError, string reason)
    {
        DropMember(group, member, waiterError);
        switch (group.State)
        {
            case GroupState.Stable or GroupState.CompletingRebalance:
                PrepareRebalance(group, reason);
                break;
            case GroupState.PreparingRebalance:
                TryCompleteJoin(group);
                break;
        }
    }

    private static void DropMember(ConsumerGroup group, GroupMember member, short waiterError)
    {
        group.Members.Remove(member.MemberId);
        member.JoinWaiter?.TrySetResult(JoinGroupResult.Error(waiterError, member.MemberId));
        member.JoinWaiter = null;
        member.SyncWaiter?.TrySetResult(new SyncGroupResult(waiterError, []));
        member.SyncWaiter = null;
        if (group.LeaderId == member.MemberId)
        {
            group.LeaderId = group.Members.Count > 0 ? group.Members.GetAt(0).Key : null;
        }
    }

    // ---------------------------------------------------------------- timers

    private ConsumerGroup CreateGroup(string groupId)
    {
        var group = new ConsumerGroup(groupId, _time, OnDeadline);
        _groups.Add(groupId, group);
        return group;
    }

    private void OnDeadline(ConsumerGroup group)
    {
        lock (_lock)
        {
            if (_disposed || !_groups.TryGetValue(group.GroupId, out var current) || current != group)
            {
                return;
            }

            var now = _time.GetUtcNow();
            foreach (var (pendingId, deadline) in group.PendingMembers.ToList())
            {
                if (deadline <= now)
                {
                    group.PendingMembers.Remove(pendingId);
                }
            }

            foreach (var member in group.Members.Values.ToList())
            {
                // A member waiting in JoinGroup or SyncGroup is alive by definition; the rebalance timeout bounds that wait.
                if (member.JoinWaiter is null && member.SyncWaiter is null && member.SessionDeadline <= now
                    && group.Members.ContainsKey(member.MemberId))
                {
                    LogMemberExpired(member.MemberId, group.GroupId, member.SessionTimeoutMs);
                    RemoveMember(group, member, ErrorCode.UnknownMemberId, "member session expired");
                }
            }

            TryCompleteJoin(group);
            Reschedule(group);
        }
    }

    /// <summary>Points the group's timer at its earliest deadline. Never due immediately: a timer provider that fires
    /// due timers synchronously must not re-enter the state machine in the middle of an operation.</summary>
    private void Reschedule(ConsumerGroup group)
    {
        DateTimeOffset? next = null;
        void Consider(DateTimeOffset candidate)
        {
            if (next is null || candidate < next)
            {
                next = candidate;
            }
        }

        foreach (var deadline in group.PendingMembers.Values)
        {
            Consider(deadline);
        }

        foreach (var member in group.Members.Values)
        {
            if (member.JoinWaiter is null && member.SyncWaiter is null)
            {
                Consider(member.SessionDeadline);
            }
        }

        if (group.State == GroupState.PreparingRebalance)
        {
            Consider(group.RebalanceDeadline);
            if (group.InitialDelayDeadline is { } initialDelayEnd)
            {
                Consider(initialDelayEnd);
            }
        }

        if (next is null)
        {
            group.Timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var due = next.Value - _time.GetUtcNow();
        group.Timer.Change(due < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : due, Timeout.InfiniteTimeSpan);
    }

    // ---------------------------------------------------------------- metrics, shutdown

    private int CountGroups()
    {
        lock (_lock)
        {
            return _groups.Count;
        }
    }

    private int CountMembers()
    {
        lock (_lock)
        {
            return _groups.Values.Sum(g => g.Members.Count);
        }
    }

    /// <summary>Stops the timers and answers every waiting JoinGroup/SyncGroup so their connections can close.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var group in _groups.Values)
            {
                group.Timer.Dispose();
                foreach (var member in group.Members.Values)
                {
                    member.JoinWaiter?.TrySetResult(JoinGroupResult.Error(ErrorCode.CoordinatorNotAvailable, member.MemberId));
                    member.SyncWaiter?.TrySetResult(new SyncGroupResult(ErrorCode.CoordinatorNotAvailable, []));
                }
            }
        }
    }
}
