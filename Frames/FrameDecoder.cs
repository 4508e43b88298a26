using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using OpenCvSharp;

namespace AspirePipeline.Frames;

/// <summary>Turns a Kafka message (payload + headers) back into pixels, validating it against the frame contract.</summary>
public static class FrameDecoder
{
    // JPEG writers may pad after the end-of-image marker; look for it near the end rather than only at the last byte.
    private const int JpegTrailerWindow = 32;

    /// <summary>
    /// Decodes a frame. <paramref name="header"/> returns the last value of a header key or null (Confluent:
    /// <c>key => headers.TryGetLastBytes(key, out var v) ? v : null</c>). A message without any frame header is
    /// accepted when its payload is seed JSON.
    /// </summary>
    /// <exception cref="FrameFormatException">The message breaks the contract; <see cref="FrameFormatException.Error"/> says how.</exception>
    public static DecodedFrame Decode(ReadOnlySpan<byte> payload, Func<string, byte[]?> header) =>
        Decode(payload, header, DecodeTarget.Full);

    /// <summary>
    /// Decodes a frame, a JPEG one only as far as <paramref name="target"/> needs (see <see cref="DecodeTarget"/>):
    /// <see cref="DecodedFrame.Image"/> may then be smaller than <see cref="DecodedFrame.Metadata"/> says, and gray.
    /// </summary>
    /// <exception cref="FrameFormatException">The message breaks the contract; <see cref="FrameFormatException.Error"/> says how.</exception>
    public static DecodedFrame Decode(ReadOnlySpan<byte> payload, Func<string, byte[]?> header, DecodeTarget target)
    {
        ArgumentNullException.ThrowIfNull(header);
        var metadata = FrameMetadata.ReadHeaders(header);
        if (metadata is null)
        {
            if (!LooksLikeJsonObject(payload))
            {
                throw new FrameFormatException(FrameFormatError.MissingHeader,
                    $"Message has no frame headers and its payload ({payload.Length} bytes) is not seed JSON; producers "
                    + $"must write the '{FrameHeaders.Encoding}' header and the others: {string.Join(", ", FrameHeaders.All)}.");
            }
            return DecodeSeedJson(payload, expected: null);
        }

        return metadata.Encoding switch
        {
            FrameEncoding.Jpeg => DecodeJpeg(payload, metadata, target),
            FrameEncoding.RawBgr => DecodeRaw(payload, metadata),
            _ => DecodeSeedJson(payload, metadata),
        };
    }

    /// <summary>Decodes a frame whose headers are given as a dictionary (tests, non-Kafka transports).</summary>
    public static DecodedFrame Decode(ReadOnlySpan<byte> payload, IReadOnlyDictionary<string, byte[]> headers) =>
        Decode(payload, headers, DecodeTarget.Full);

    /// <summary>Decodes a frame whose headers are given as a dictionary, as far as <paramref name="target"/> needs.</summary>
    public static DecodedFrame Decode(ReadOnlySpan<byte> payload, IReadOnlyDictionary<string, byte[]> headers, DecodeTarget target)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return Decode(payload, key => headers.TryGetValue(key, out var value) ? value : null, target);
    }

    private static DecodedFrame DecodeJpeg(ReadOnlySpan<byte> payload, FrameMetadata metadata, DecodeTarget target)
    {
        // libjpeg "decodes" a truncated file by filling the rest with grey and only warning, so check the markers.
        var hasStart = payload.Length >= 4 && payload[0] == 0xFF && payload[1] == 0xD8 && payload[2] == 0xFF;
        var tail = payload[Math.Max(0, payload.Length - JpegTrailerWindow)..];
        var hasEnd = tail.IndexOf([(byte)0xFF, (byte)0xD9]) >= 0;
        if (!hasStart || !hasEnd)
        {
            throw new FrameFormatException(FrameFormatError.UndecodableImage,
                $"Payload ({payload.Length} bytes) is not a complete JPEG: "
                + (hasStart ? "the end-of-image marker is missing (truncated?)." : "it does not start with a JPEG marker."));
        }

        var scale = target.ScaleFor(metadata.Width);
        var image = Cv2.ImDecode(payload, target.JpegMode(scale, sourceIsGray: metadata.Channels == 1));
        if (image.Empty())
        {
            image.Dispose();
            throw new FrameFormatException(FrameFormatError.UndecodableImage,
                $"JPEG payload ({payload.Length} bytes) does not decode.");
        }
        if (image.Width != DecodeTarget.ReducedSize(metadata.Width, scale) || image.Height != DecodeTarget.ReducedSize(metadata.Height, scale))
        {
            var actual = scale == 1 ? $"{image.Width}x{image.Height}" : $"{image.Width}x{image.Height} at 1/{scale} scale";
            image.Dispose();
            throw new FrameFormatException(FrameFormatError.BadHeader,
                $"JPEG payload is {actual} but the headers say {metadata.Width}x{metadata.Height}.");
        }
        return new DecodedFrame(metadata, image, payload.Length, scale);
    }

    private static DecodedFrame DecodeRaw(ReadOnlySpan<byte> payload, FrameMetadata metadata)
    {
        var expected = (long)metadata.Width * metadata.Height * metadata.Channels;
        if (payload.Length != expected)
        {
            throw new FrameFormatException(FrameFormatError.PayloadSizeMismatch,
                $"Raw payload is {payload.Length} bytes but {metadata.Width}x{metadata.Height}x{metadata.Channels} "
                + $"needs {expected}.");
        }
        var image = new Mat(metadata.Height, metadata.Width, MatType.MakeType(MatType.CV_8U, metadata.Channels));
        payload.CopyTo(image.AsSpan<byte>());
        return new DecodedFrame(metadata, image, payload.Length);
    }

    private static DecodedFrame DecodeSeedJson(ReadOnlySpan<byte> payload, FrameMetadata? expected)
    {
        var seed = SeedJsonMessage.Parse(payload);
        FrameMetadata.ValidateDimensions(seed.Cols, seed.Rows, "seed JSON fields");
        if (expected is not null && (expected.Width != seed.Cols || expected.Height != seed.Rows))
        {
            throw new FrameFormatException(FrameFormatError.BadHeader,
                $"Seed JSON says {seed.Cols}x{seed.Rows} but the headers say {expected.Width}x{expected.Height}.");
        }

        var base64 = seed.Base64Pixels(payload);
        var buffer = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(base64.Length));
        try
        {
            var status = Base64.DecodeFromUtf8(base64, buffer, out _, out var written);
            if (status != OperationStatus.Done)
            {
                throw new FrameFormatException(FrameFormatError.MalformedSeedJson,
                    $"Seed JSON field 'pix' is not valid base64 ({status}).");
            }

            var channels = SeedPixelLayout.ChannelsOf(written, seed.Rows, seed.Cols, seed.Channels);
            var image = ToBgr(buffer, (int)seed.Rows, (int)seed.Cols, channels);
            var metadata = new FrameMetadata(expected?.CameraId, expected?.Sequence, expected?.CaptureTimestampMicros,
                (int)seed.Cols, (int)seed.Rows, channels, FrameEncoding.SeedJson);
            return new DecodedFrame(metadata, image, payload.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Seed pixels are RGB(A); the rest of the pipeline works in OpenCV's BGR.</summary>
    private static unsafe Mat ToBgr(byte[] pixels, int rows, int cols, int channels)
    {
        fixed (byte* data = pixels)
        {
            using var view = Mat.FromPixelData(rows, cols, MatType.MakeType(MatType.CV_8U, channels), (nint)data);
            var image = new Mat();
            switch (channels)
            {
                case 4:
                    Cv2.CvtColor(view, image, ColorConversionCodes.RGBA2BGR);
                    break;
                case 3:
                    Cv2.CvtColor(view, image, ColorConversionCodes.RGB2BGR);
                    break;
                default:
                    view.CopyTo(image);
                    break;
            }
            return image;
        }
    }

    private static bool LooksLikeJsonObject(ReadOnlySpan<byte> payload)
    {
        var trimmed = payload.TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && trimmed[0] == (byte)'{';
    }

    /// <summary>The fields of a seed JSON message; the base64 text is referenced by offset, not copied.</summary>
    private readonly record struct SeedJsonMessage(long Rows, long Cols, long? Channels, int PixStart, int PixLength, byte[]? EscapedPix)
    {
        public ReadOnlySpan<byte> Base64Pixels(ReadOnlySpan<byte> payload) =>
            EscapedPix is not null ? EscapedPix : payload.Slice(PixStart, PixLength);

        public static SeedJsonMessage Parse(ReadOnlySpan<byte> payload)
        {
            long? rows = null, cols = null, channels = null;
            int pixStart = -1, pixLength = 0;
            byte[]? escapedPix = null;
            try
            {
                var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 8 });
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    throw Malformed("the payload is not a JSON object");
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("pix"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            throw Malformed("field 'pix' is not a string");
                        }
                        if (reader.ValueIsEscaped)
                        {
                            // Some JSON writers escape '+' and '/': unescape via a copy; the common case stays zero-copy.
                            escapedPix = System.Text.Encoding.ASCII.GetBytes(reader.GetString()!);
                        }
                        else
                        {
                            pixStart = checked((int)reader.TokenStartIndex + 1);
                            pixLength = reader.ValueSpan.Length;
                        }
                    }
                    else if (reader.ValueTextEquals("rows"u8))
                    {
                        rows = ReadInteger(ref reader, "rows");
                    }
                    else if (reader.ValueTextEquals("cols"u8))
                    {
                        cols = ReadInteger(ref reader, "cols");
                    }
                    else if (reader.ValueTextEquals("channels"u8))
                    {
                        channels = ReadInteger(ref reader, "channels");
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
                if (reader.TokenType != JsonTokenType.EndObject)
                {
                    throw Malformed("the JSON object is not closed");
                }
            }
            catch (JsonException exception)
            {
                throw new FrameFormatException(FrameFormatError.MalformedSeedJson,
                    $"Seed JSON payload is malformed: {exception.Message}", exception);
            }

            if (pixStart < 0 && escapedPix is null)
            {
                throw Malformed("field 'pix' is missing");
            }
            return new SeedJsonMessage(
                rows ?? throw Malformed("field 'rows' is missing"),
                cols ?? throw Malformed("field 'cols' is missing"),
                channels,
                pixStart, pixLength, escapedPix);
        }

        private static long ReadInteger(ref Utf8JsonReader reader, string name)
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
            {
                throw Malformed($"field '{name}' is not an integer");
            }
            return value;
        }

        private static FrameFormatException Malformed(string what) =>
            new(FrameFormatError.MalformedSeedJson,
                $"Seed JSON payload is malformed: {what}; " +
                "expected {\"pix\": base64 RGBA, RGB or gray bytes, \"rows\", \"cols\", \"channels\" (optional)}.");
    }
}
