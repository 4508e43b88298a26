using System.Text;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Storage;

namespace AspirePipeline.Broker.Groups;

internal sealed partial class GroupCoordinator
{
    // ---------------------------------------------------------------- OffsetCommit, OffsetFetch

    /// <summary>
    /// Kafka's checks: generation -1 on an empty (or unknown) group is a "simple" commit by a client that manages its
    /// own partitions; otherwise the member must belong to the current generation, and commits are refused only while
    /// the group waits for the leader's assignment (the member might be about to lose the partition).
    /// </summary>
    public IReadOnlyList<TopicPartitionErrors> CommitOffsets(OffsetCommitRequestData request)
    {
        short error;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            error = CommitError(request);
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var results = new List<TopicPartitionErrors>(request.Topics.Count);
        foreach (var topic in request.Topics)
        {
            var partitions = new List<PartitionError>(topic.Partitions.Count);
            foreach (var partition in topic.Partitions)
            {
                partitions.Add(new PartitionError(partition.Partition, error == ErrorCode.None
                    ? CommitOne(request.GroupId, topic.Name, partition, now)
                    : error));
            }

            results.Add(new TopicPartitionErrors(topic.Name, partitions));
        }

        return results;
    }

    private short CommitError(OffsetCommitRequestData request)
    {
        if (request.GroupId.Length == 0)
        {
            return ErrorCode.InvalidGroupId;
        }

        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            if (request.GenerationId >= 0)
            {
                // A generation for a group this coordinator does not know: a member of a generation long gone.
                return ErrorCode.IllegalGeneration;
            }

            CreateGroup(request.GroupId);
            return ErrorCode.None;
        }

        if (request.GenerationId < 0 && group.State == GroupState.Empty)
        {
            return ErrorCode.None;
        }

        var error = Validate(request.GroupId, request.GenerationId, request.MemberId, request.GroupInstanceId, out _, out var member);
        if (error != ErrorCode.None)
        {
            return error;
        }

        if (group.State == GroupState.CompletingRebalance)
        {
            return ErrorCode.RebalanceInProgress;
        }

        member!.SessionDeadline = _time.GetUtcNow() + TimeSpan.FromMilliseconds(member.SessionTimeoutMs);
        Reschedule(group);
        return ErrorCode.None;
    }

    private short CommitOne(string groupId, string topic, OffsetCommitPartition partition, long now)
    {
        if (partition.Metadata is not null && Encoding.UTF8.GetByteCount(partition.Metadata) > _options.MaxOffsetMetadataBytes)
        {
            return ErrorCode.OffsetMetadataTooLarge;
        }

        try
        {
            lock (_offsetsLock)
            {
                // Kafka stores a null metadata string as "" (and returns "" for it).
                _offsets.Commit(groupId, topic, partition.Partition,
                    new CommittedOffset(partition.Offset, partition.LeaderEpoch, partition.Metadata ?? "", now));
            }

            return ErrorCode.None;
        }
        catch (IOException exception)
        {
            LogCommitFailed(exception, groupId, topic, partition.Partition);
            return ErrorCode.UnknownServerError;
        }
    }

    /// <summary>Committed offsets of the given partitions (-1 and "" where none), or of every partition when
    /// <paramref name="topics"/> is null (OffsetFetch v2+).</summary>
    public IReadOnlyList<FetchedTopic> FetchOffsets(string groupId, IReadOnlyList<OffsetFetchTopic>? topics)
    {
        lock (_offsetsLock)
        {
            if (topics is null)
            {
                return [.. _offsets.GetAll(groupId)
                    .GroupBy(entry => entry.Topic, StringComparer.Ordinal)
                    .Select(byTopic => new FetchedTopic(byTopic.Key, [.. byTopic
                        .OrderBy(entry => entry.Partition)
                        .Select(entry => new FetchedOffset(
                            entry.Partition, entry.Offset.Offset, entry.Offset.LeaderEpoch, entry.Offset.Metadata ?? "", ErrorCode.None))]))];
            }

            return [.. topics.Select(topic => new FetchedTopic(topic.Name, [.. topic.Partitions.Select(partition =>
                _offsets.TryGet(groupId, topic.Name, partition, out var committed)
                    ? new FetchedOffset(partition, committed.Offset, committed.LeaderEpoch, committed.Metadata ?? "", ErrorCode.None)
                    : new FetchedOffset(partition, -1, -1, "", ErrorCode.None))]))];
        }
    }

    // ---------------------------------------------------------------- ListGroups, DescribeGroups, DeleteGroups

    /// <summary>Every group with members or committed offsets (a group known only from stored offsets is Empty).</summary>
    public IReadOnlyList<ListedGroup> ListGroups()
    {
        IReadOnlyCollection<string> stored;
        lock (_offsetsLock)
        {
            stored = [.. _offsets.Groups];
        }

        lock (_lock)
        {
            var listed = _groups.Values
                .Select(g => new ListedGroup(g.GroupId, g.ProtocolType ?? "", g.State))
                .ToList();
            listed.AddRange(stored.Where(id => !_groups.ContainsKey(id)).Select(id => new ListedGroup(id, "", GroupState.Empty)));
            return listed;
        }
    }

    /// <summary>Kafka's summary: member metadata and assignments only once the group is Stable; an unknown group is Dead.</summary>
    public GroupDescription DescribeGroup(string groupId)
    {
        if (groupId.Length == 0)
        {
            return new GroupDescription(ErrorCode.InvalidGroupId, groupId, GroupState.Dead, "", "", []);
        }

        bool hasOffsets;
        lock (_offsetsLock)
        {
            hasOffsets = _offsets.Groups.Contains(groupId);
        }

        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var group))
            {
                return new GroupDescription(ErrorCode.None, groupId, hasOffsets ? GroupState.Empty : GroupState.Dead, "", "", []);
            }

            var stable = group.State == GroupState.Stable;
            var members = group.Members.Values.Select(m => new DescribedMember(
                m.MemberId,
                m.GroupInstanceId,
                m.ClientId,
                m.ClientHost,
                stable ? m.MetadataFor(group.ProtocolName) : [],
                stable ? m.Assignment : [])).ToList();
            return new GroupDescription(
                ErrorCode.None, groupId, group.State, group.ProtocolType ?? "", stable ? group.ProtocolName ?? "" : "", members);
        }
    }

    /// <summary>Deletes groups without members, with their committed offsets.</summary>
    public IReadOnlyList<DeleteGroupResult> DeleteGroups(IReadOnlyList<string> groupIds)
    {
        var results = new List<DeleteGroupResult>(groupIds.Count);
        foreach (var groupId in groupIds)
        {
            results.Add(new DeleteGroupResult(groupId, DeleteGroup(groupId)));
        }

        return results;
    }

    private short DeleteGroup(string groupId)
    {
        if (groupId.Length == 0)
        {
            return ErrorCode.InvalidGroupId;
        }

        bool known;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            known = _groups.TryGetValue(groupId, out var group);
            if (group is not null)
            {
                if (!group.IsEmptyOfMembers)
                {
                    return ErrorCode.NonEmptyGroup;
                }

                group.State = GroupState.Dead;
                group.Timer.Dispose();
                _groups.Remove(groupId);
            }
        }

        lock (_offsetsLock)
        {
            if (!known && !_offsets.Groups.Contains(groupId))
            {
                return ErrorCode.GroupIdNotFound;
            }

            _offsets.DeleteGroup(groupId);
        }

        LogGroupDeleted(groupId);
        return ErrorCode.None;
    }
}
