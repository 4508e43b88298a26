namespace AspirePipeline.Recording;

/// <summary>
/// One access unit (a coded picture) of a camera's stream in the transport-stream packets that carried it: the payload
/// of one <c>frames.video</c> message. A keyframe's packets start with the PAT and PMT, so a decoder can start there.
/// </summary>
/// <param name="Packets">Whole 188-byte packets: the PES of this access unit, after any tables that preceded it.</param>
/// <param name="Codec">One of <see cref="VideoCodecs"/>.</param>
/// <param name="Keyframe">The packet that starts the PES has the random access indicator set.</param>
/// <param name="Pts">The PES header's presentation time in 90 kHz ticks, if it has one.</param>
/// <param name="ReceivedAt">When its first packet arrived, on the clock of the splitter's caller.</param>
public sealed record RecordedAccessUnit(byte[] Packets, string Codec, bool Keyframe, long? Pts, long ReceivedAt = 0);
