var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFrameProducer();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapProducerStats();

app.Run();
