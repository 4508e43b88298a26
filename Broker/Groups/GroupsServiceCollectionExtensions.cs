using AspirePipeline.Broker.Groups.Handlers;
using AspirePipeline.Broker.Protocol;
using AspirePipeline.Broker.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspirePipeline.Broker.Groups;

internal static class GroupsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the consumer group coordinator and its ten API handlers (as <see cref="IApiHandler"/>), bound to the
    /// <c>Broker:Groups</c> section. Needs an <see cref="IBrokerIdentity"/> and either an <see cref="IOffsetStore"/> or
    /// an <see cref="ILogStore"/> (whose offset store is used) from the caller.
    /// </summary>
    public static IServiceCollection AddGroupCoordinator(this IServiceCollection services)
    {
        services.AddOptions<GroupCoordinatorOptions>()
            .BindConfiguration(GroupCoordinatorOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(
                options => options.MinSessionTimeoutMs <= options.MaxSessionTimeoutMs,
                $"{GroupCoordinatorOptions.SectionName}:MinSessionTimeoutMs must not exceed MaxSessionTimeoutMs.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IOffsetStore>(sp => sp.GetRequiredService<ILogStore>().Offsets);
        services.TryAddSingleton<GroupCoordinator>();
        services.AddSingleton<IApiHandler, FindCoordinatorHandler>();
        services.AddSingleton<IApiHandler, JoinGroupHandler>();
        services.AddSingleton<IApiHandler, SyncGroupHandler>();
        services.AddSingleton<IApiHandler, HeartbeatHandler>();
        services.AddSingleton<IApiHandler, LeaveGroupHandler>();
        services.AddSingleton<IApiHandler, OffsetCommitHandler>();
        services.AddSingleton<IApiHandler, OffsetFetchHandler>();
        services.AddSingleton<IApiHandler, ListGroupsHandler>();
        services.AddSingleton<IApiHandler, DescribeGroupsHandler>();
        services.AddSingleton<IApiHandler, DeleteGroupsHandler>();
        return services;
    }
}

/// <summary>The group APIs without dependency injection (in-process brokers, tests).</summary>
internal static class GroupApiHandlers
{
    public static IReadOnlyList<IApiHandler> Create(GroupCoordinator coordinator, IBrokerIdentity identity) =>
    [
        new FindCoordinatorHandler(identity),
        new JoinGroupHandler(coordinator),
        new SyncGroupHandler(coordinator),
        new HeartbeatHandler(coordinator),
        new LeaveGroupHandler(coordinator),
        new OffsetCommitHandler(coordinator),
        new OffsetFetchHandler(coordinator),
        new ListGroupsHandler(coordinator),
        new DescribeGroupsHandler(coordinator),
        new DeleteGroupsHandler(coordinator),
    ];
}
