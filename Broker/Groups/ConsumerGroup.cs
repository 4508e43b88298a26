namespace AspirePipeline.Broker.Groups;

/// <summary>One member of a classic group. Mutated only under the coordinator's lock.</summary>
internal sealed class GroupMember(string memberId, string? groupInstanceId)
{
    public string MemberId { get; } = memberId;

    public string? GroupInstanceId { get; } = groupInstanceId;

    public string ClientId { get; set; } = "";

    public string ClientHost { get; set; } = "";

    public int SessionTimeoutMs { get; set; }

    public int RebalanceTimeoutMs { get; set; }

    public IReadOnlyList<GroupProtocol> Protocols { get; set; } = [];

    public byte[] Assignment { get; set; } = [];

    /// <summary>Set while the member's JoinGroup waits for the rebalance to complete ("awaiting join").</summary>
    public TaskCompletionSource<JoinGroupResult>? JoinWaiter { get; set; }

    /// <summary>Set while a follower's SyncGroup waits for the leader's assignments.</summary>
    public TaskCompletionSource<SyncGroupResult>? SyncWaiter { get; set; }

    /// <summary>When the member is considered dead unless it heartbeats, joins, syncs or commits before.</summary>
    public DateTimeOffset SessionDeadline { get; set; }

    public byte[] MetadataFor(string? protocolName) =>
        Protocols.FirstOrDefault(p => p.Name == protocolName)?.Metadata ?? [];

    public bool HasSameProtocols(IReadOnlyList<GroupProtocol> protocols) =>
        Protocols.Count == protocols.Count
        && Protocols.Zip(protocols).All(pair => pair.First.Name == pair.Second.Name
            && pair.First.Metadata.AsSpan().SequenceEqual(pair.Second.Metadata));
}

/// <summary>One classic consumer group. Mutated only under the coordinator's lock.</summary>
internal sealed class ConsumerGroup
{
    public ConsumerGroup(string groupId, TimeProvider timeProvider, Action<ConsumerGroup> onDeadline)
    {
        GroupId = groupId;
        _onDeadline = onDeadline;
        Timer = timeProvider.CreateTimer(
            static state => ((ConsumerGroup)state!).OnDeadline(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private readonly Action<ConsumerGroup> _onDeadline;

    public string GroupId { get; }

    public GroupState State { get; set; } = GroupState.Empty;

    public int GenerationId { get; set; }

    public string? ProtocolType { get; set; }

    public string? ProtocolName { get; set; }

    public string? LeaderId { get; set; }

    /// <summary>Insertion order matters: when the leader leaves, the longest-standing member takes over.</summary>
    public OrderedDictionary<string, GroupMember> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with their expiry. A rebalance waits for
    /// them (as Kafka does) so a member's two-step first join does not cause a second rebalance.
    /// </summary>
    public Dictionary<string, DateTimeOffset> PendingMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>While set, a new group's first rebalance waits for more members.</summary>
    public DateTimeOffset? InitialDelayDeadline { get; set; }

    public DateTimeOffset RebalanceStartedAt { get; set; }

    /// <summary>A rebalance ends at the latest when the slowest member's rebalance timeout (max.poll.interval.ms) passes.</summary>
    public DateTimeOffset RebalanceDeadline =>
        RebalanceStartedAt + TimeSpan.FromMilliseconds(Members.Count == 0 ? 0 : Members.Values.Max(m => m.RebalanceTimeoutMs));

    /// <summary>Fires at the group's next deadline (session expiry, rebalance timeout, initial delay).</summary>
    public ITimer Timer { get; }

    private void OnDeadline() => _onDeadline(this);

    public bool IsEmptyOfMembers => Members.Count == 0 && PendingMembers.Count == 0;

    public GroupMember? FindByInstanceId(string groupInstanceId) =>
        Members.Values.FirstOrDefault(m => m.GroupInstanceId == groupInstanceId);

    /// <summary>Kafka's rule: an empty group accepts any protocol; otherwise the type must match and at least one
    /// protocol must be supported by every current member and the newcomer.</summary>
    public bool SupportsProtocols(string protocolType, IReadOnlyList<GroupProtocol> protocols, string? ignoringMemberId)
    {
        var others = Members.Values.Where(m => m.MemberId != ignoringMemberId).ToList();
        if (others.Count == 0)
        {
            return protocolType.Length > 0 && protocols.Count > 0;
        }

        return protocolType == ProtocolType
            && protocols.Any(p => others.All(m => m.Protocols.Any(mp => mp.Name == p.Name)));
    }
}
