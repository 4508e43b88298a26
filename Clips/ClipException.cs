using AspirePipeline.Clips.Telemetry;
using Microsoft.AspNetCore.Http;

namespace AspirePipeline.Clips;

/// <summary>A clip (or page) that cannot be made, with the HTTP status to answer and a detail that says what to do.</summary>
internal sealed class ClipException : Exception
{
    public ClipException(int statusCode, string outcome, string title, string detail, Exception? inner = null) : base(detail, inner)
    {
        StatusCode = statusCode;
        Outcome = outcome;
        Title = title;
    }

    public int StatusCode { get; }

    /// <summary>The <see cref="ClipsTelemetry.OutcomeTag"/> value.</summary>
    public string Outcome { get; }

    public string Title { get; }

    public static ClipException BadRequest(string detail) =>
        new(StatusCodes.Status400BadRequest, ClipsTelemetry.OutcomeBadRequest, "Bad clip request", detail);

    public static ClipException NotFound(string detail) =>
        new(StatusCodes.Status404NotFound, ClipsTelemetry.OutcomeNotFound, "No such recording", detail);

    public static ClipException OutOfRange(string detail) =>
        new(StatusCodes.Status416RangeNotSatisfiable, ClipsTelemetry.OutcomeOutOfRange, "Not in the recording", detail);

    public static ClipException KafkaUnavailable(string detail, Exception? inner = null) =>
        new(StatusCodes.Status503ServiceUnavailable, ClipsTelemetry.OutcomeUnavailable, "Kafka unavailable", detail, inner);
}
