using AspirePipeline.FrameProcessing.Analysis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFrameProcessing<MeanIntensityAnalyzer>();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapFrameProcessing();

app.Run();
