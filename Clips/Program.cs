var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddClips();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapClips();

app.Run();
