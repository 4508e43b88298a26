using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspirePipeline.Clips.Events;

/// <summary>Source-generated JSON of the events topic's records, with the web defaults they are written with (camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(FrameEvent))]
internal sealed partial class ClipsJsonContext : JsonSerializerContext;
