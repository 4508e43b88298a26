using AspirePipeline.FrameProcessing.Analysis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFrameProcessing<MotionAnalyzer>();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapFrameProcessing();

app.Run();
