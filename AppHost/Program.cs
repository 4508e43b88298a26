var builder = DistributedApplication.CreateBuilder(args);
builder.AddDockerComposePublishing();
builder.Build().Run();
