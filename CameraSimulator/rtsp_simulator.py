#!/usr/bin/python3
"""RTSP camera simulator for AspirePipeline, on GStreamer's RTSP server (Debian: gir1.2-gst-rtsp-server-1.0,
python3-gst-1.0, gstreamer1.0-plugins-{base,good,ugly}; --video and --clip also gstreamer1.0-plugins-bad).

Serves a live H.264 test pattern: a ball moving over a flat background, the frame number, the running time and the
wall clock. The background and ball sizes are fixed, so the mean pixel value of a frame stays nearly constant while
the picture visibly moves (the consumers' correctness test relies on that). One shared pipeline feeds every reader.

With --video FILE it serves a recorded video instead, looped, as a live stream at the file's own size and frame rate
(e.g. Debian opencv-doc's /usr/share/doc/opencv-doc/examples/data/vtest.avi, pedestrians; decoding it needs
gstreamer1.0-libav). A player pipeline decodes the file in real time and hands each frame to the served stream through
GStreamer's inter elements (gstreamer1.0-plugins-bad); at the end of the file it seeks back to the start, so readers
see one endless stream with steadily increasing timestamps.

GStreamer's RTSP server (1.22) can abort on an internal assertion (gst_rtsp_media_get_rates) when readers vanish
while the shared media is being set up; the process then dies by SIGABRT. So the server runs in a worker process that
this script restarts on the same port at once when it dies by a signal; readers just reconnect.

With --codec mjpeg the test pattern is sent as Motion JPEG (jpegenc, rtpjpegpay: RFC 2435) instead of H.264, as
many IP cameras offer it.

With --clip FILE it serves an already encoded clip (a bare H.264, H.265 or Motion JPEG stream) without decoding or
encoding it: the clip's frames are loaded once and sent looped, paced at --fps. A camera that costs this machine
(almost) no CPU, for benchmarks that measure the pipeline and not the camera.

With --serve http it is an HTTP Motion JPEG camera instead, as many IP cameras also are: GET <path> answers
"multipart/x-mixed-replace; boundary=frame", one JPEG part per frame of the test pattern, to every client at once.
It prints "http simulator ready http://<host>:<port><path>" once listening. (Test pattern only; no --video or --clip.)

Usage: rtsp_simulator.py [--serve rtsp|http] [--port 8554] [--path /camera] [--width 1280] [--height 720] [--fps 30] [--bind 127.0.0.1]
                         [--codec h264|mjpeg] [--video FILE | --clip FILE] [--mounts N]
With --mounts N the stream is served N times, at <path>, <path>2, ..., <path>N, each its own pipeline: N cameras whose
frames are not in step (one shared mount hands every reader the same frame at the same instant, a burst no set of real
cameras makes).

Prints "rtsp simulator ready rtsp://<host>:<port><path>" once listening (with --port 0 the port is chosen by the OS
and the printed URL has the real one). Exits cleanly on SIGTERM/SIGINT. Run with Debian's /usr/bin/python3: the
GObject bindings come from Debian packages, not pip.
"""

import argparse
import base64
import http.server
import os
import re
import signal
import subprocess
import sys
import threading
import time

try:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402
except (ImportError, ValueError) as missing:
    print(f"rtsp simulator failed: the GStreamer Python bindings are missing ({missing}). Install the Debian packages "
          "python3-gi python3-gst-1.0 gir1.2-gst-rtsp-server-1.0 (scripts/prerequisites.sh does) and run this script "
          "with Debian's /usr/bin/python3.", file=sys.stderr, flush=True)
    sys.exit(2)

# Every element the stream uses, with the Debian package that ships it: a missing one is named at start instead of
# the server answering each DESCRIBE with "503 Service Unavailable".
ELEMENT_PACKAGES = {
    "videotestsrc": "gstreamer1.0-plugins-base",
    "textoverlay": "gstreamer1.0-x",
    "timeoverlay": "gstreamer1.0-x",
    "clockoverlay": "gstreamer1.0-x",
    "videoconvert": "gstreamer1.0-plugins-base",
    "x264enc": "gstreamer1.0-plugins-ugly",
    "rtph264pay": "gstreamer1.0-plugins-good",
    "fakesink": "libgstreamer1.0-0",
}
# --codec mjpeg's encoder and payloader, in place of x264enc and rtph264pay.
MJPEG_ELEMENT_PACKAGES = {
    "jpegenc": "gstreamer1.0-plugins-good",
    "rtpjpegpay": "gstreamer1.0-plugins-good",
}
# --clip's elements: a parser splits the clip into frames, appsrc sends them.
CLIP_ELEMENT_PACKAGES = {
    "filesrc": "libgstreamer1.0-0",
    "appsink": "gstreamer1.0-plugins-base",
    "appsrc": "gstreamer1.0-plugins-base",
    "h264parse": "gstreamer1.0-plugins-bad",
    "h265parse": "gstreamer1.0-plugins-bad",
    "jpegparse": "gstreamer1.0-plugins-bad",
    "rtph264pay": "gstreamer1.0-plugins-good",
    "rtph265pay": "gstreamer1.0-plugins-good",
    "rtpjpegpay": "gstreamer1.0-plugins-good",
}
# The payloader of each --clip codec. The clip is sent as it is, parameter sets only where the clip has them (an
# encoder writing Annex B repeats them before each keyframe) and in the SDP: config-interval=-1 would insert them before
# every slice of a keyframe, which splits a picture of several slices in two (a parameter set starts an access unit).
CLIP_PAYLOADERS = {
    "mjpeg": "rtpjpegpay name=pay0 pt=26",
    "h264": "rtph264pay name=pay0 pt=96 config-interval=0",
    "h265": "rtph265pay name=pay0 pt=96 config-interval=0",
}
# How often a --clip stream checks whether its next frame is due: well under a frame at 30 fps.
CLIP_TICK_MS = 4
# The recorded-video mode's extra elements (decoders are found by decodebin; a missing one is reported by name).
VIDEO_ELEMENT_PACKAGES = {
    "filesrc": "libgstreamer1.0-0",
    "decodebin": "gstreamer1.0-plugins-base",
    "intervideosink": "gstreamer1.0-plugins-bad",
    "intervideosrc": "gstreamer1.0-plugins-bad",
}
# How long the start-up check waits for the first encoded packet (x264 needs a moment on a busy machine).
FIRST_PACKET_TIMEOUT_SECONDS = 20

READY = re.compile(r"rtsp simulator ready rtsp://\S+?:(\d+)/")


def parse_args(argv):
    parser = argparse.ArgumentParser(description="RTSP test-pattern camera for AspirePipeline")
    parser.add_argument("--port", type=int, default=8554, help="TCP port (0 = any free port)")
    parser.add_argument("--path", default="/camera", help="mount path, e.g. /camera")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (loopback by default)")
    parser.add_argument("--bitrate", type=int, default=0, help="H.264 kbit/s (0 = derived from the frame size)")
    parser.add_argument("--video", metavar="FILE",
                        help="serve this video file, looped, at its own size and frame rate, instead of the test pattern")
    parser.add_argument("--codec", choices=("h264", "mjpeg"), default="h264",
                        help="the test pattern's (and --video's) codec: H.264 or Motion JPEG")
    parser.add_argument("--jpeg-quality", type=int, default=85, help="--codec mjpeg's JPEG quality (1..100)")
    parser.add_argument("--clip", metavar="FILE",
                        help="serve this encoded clip (H.264, H.265 or MJPEG) as it is, looped and paced at --fps, without "
                             "decoding or encoding it")
    parser.add_argument("--mounts", type=int, default=1,
                        help="serve N independent copies of the stream: PATH, PATH2, ..., PATHN (own pipeline each, so "
                             "their frames are not in step, as separate cameras' are not)")
    parser.add_argument("--serve", choices=("rtsp", "http"), default="rtsp",
                        help="rtsp: an RTSP camera; http: an HTTP Motion JPEG camera (multipart/x-mixed-replace)")
    parser.add_argument("--credentials", metavar="USER:PASSWORD",
                        help="--serve http: answer 401 (Basic) unless the request carries these, as a camera with a login does")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve == "http" and (args.video is not None or args.clip is not None or args.mounts != 1):
        parser.error("--serve http sends the test pattern only: leave out --video, --clip and --mounts")
    if args.credentials is not None and (args.serve != "http" or ":" not in args.credentials):
        parser.error("--credentials USER:PASSWORD goes with --serve http")
    if args.video is not None and args.clip is not None:
        parser.error("--video and --clip exclude each other: --video re-encodes a file, --clip sends one as it is")
    if args.clip is not None:
        args.clip = os.path.abspath(args.clip)
        if not os.path.isfile(args.clip):
            parser.error(f"--clip {args.clip}: no such file")
    if not 1 <= args.mounts <= 256:
        parser.error("--mounts must be within 1..256")
    if not 1 <= args.jpeg_quality <= 100:
        parser.error("--jpeg-quality must be within 1..100")
    if args.video is not None:
        args.video = os.path.abspath(args.video)
        if not os.path.isfile(args.video):
            parser.error(f"--video {args.video}: no such file")
    if not args.path.startswith("/"):
        parser.error("--path must start with '/', e.g. /camera")
    if not (16 <= args.width <= 7680 and 16 <= args.height <= 4320):
        parser.error("--width/--height must be within 16..7680 x 16..4320")
    if not 1 <= args.fps <= 120:
        parser.error("--fps must be within 1..120")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be within 0..65535")
    return args


def encoder_chain(args):
    """The stream: test pattern (or the looped video), overlays, H.264, RTP packets (the RTSP server takes them from
    the element pay0)."""
    if args.clip is not None:
        return clip_chain(args)
    if args.video is not None:
        return video_encoder_chain(args)
    bitrate = args.bitrate or max(500, args.width * args.height * args.fps // 10000)
    # Keyframes twice a second so a reader (ffmpeg) can join within half a second.
    key_interval = max(1, args.fps // 2)
    return (
        test_pattern(args)
        + (mjpeg(args) if args.codec == "mjpeg" else
           f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={key_interval} bitrate={bitrate} "
           f"! video/x-h264,profile=baseline "
           f"! rtph264pay name=pay0 pt=96 config-interval=1")
    )


def test_pattern(args):
    """The moving ball with the frame counter, running time and wall clock, as raw video."""
    font = max(12, args.height // 24)
    return (
        f"videotestsrc is-live=true pattern=ball motion=wavy animation-mode=frames "
        f"background-color=0xff406080 foreground-color=0xfff0f0f0 "
        f"! video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1 "
        f"! textoverlay name=counter text=\"frame 0\" valignment=top halignment=left font-desc=\"Sans {font}\" "
        f"! timeoverlay valignment=bottom halignment=left font-desc=\"Sans {font}\" "
        f"! clockoverlay valignment=bottom halignment=right time-format=\"%H:%M:%S\" font-desc=\"Sans {font}\" "
        f"! videoconvert "
    )


def mjpeg(args):
    """Motion JPEG over RTP: every frame a whole JPEG, as an MJPEG IP camera sends it (payload type 26)."""
    # 4:2:0: RTP's JPEG payload (RFC 2435) has no type for the 4:4:4 videoconvert would otherwise hand over.
    return f"! video/x-raw,format=I420 ! jpegenc quality={args.jpeg_quality} ! rtpjpegpay name=pay0 pt=26"


def clip_chain(args):
    """The served side of --clip: the clip's own frames, pushed by ClipFeeder, payloaded as they are."""
    return f"appsrc name=clipsrc is-live=true format=time do-timestamp=true ! {CLIP_PAYLOADERS[args.clip_codec]}"


def missing_elements(packages_by_element):
    """None when every element is installed, else what is missing and which Debian packages bring it."""
    missing = {element: package for element, package in packages_by_element.items() if Gst.ElementFactory.find(element) is None}
    if not missing:
        return None
    return (f"GStreamer elements missing: {', '.join(sorted(f'{e} ({p})' for e, p in missing.items()))}. "
            f"Install the Debian package(s) {' '.join(sorted(set(missing.values())))} (scripts/prerequisites.sh does).")


def load_clip(args):
    """Reads --clip's frames (one buffer per frame, as its parser splits them) into memory; returns a problem or None."""
    problem = missing_elements(CLIP_ELEMENT_PACKAGES)
    if problem is not None:
        return problem
    location = args.clip.replace("\\", "\\\\").replace('"', '\\"')
    # Access units for H.264 (byte-stream, so the payloader needs no codec_data), whole JPEGs for MJPEG.
    with open(args.clip, "rb") as clip:
        head = clip.read(6)
    # Bare elementary streams, told apart by their first bytes: the parsers split them into whole frames.
    annex_b = head[:4] == b"\x00\x00\x00\x01" or head[:3] == b"\x00\x00\x01"
    if head[:2] == b"\xff\xd8":
        parse = "jpegparse"
    elif annex_b and is_hevc_nal_header(head[4:6] if head[2] == 0 else head[3:5]):
        parse = "h265parse"
    elif annex_b:
        parse = "h264parse"
    else:
        return (f"--clip {args.clip} is neither a bare H.264 or H.265 (Annex B) nor a bare Motion JPEG stream; record one "
                f"with e.g. ffmpeg -i INPUT -c:v libx264 -bf 0 -f h264 clip.h264 (libx265 ... -f hevc clip.h265), or -c:v "
                f"mjpeg -huffman default -f mjpeg clip.mjpeg (RTP's JPEG payload carries only the standard Huffman tables)")
    pipeline = Gst.parse_launch(
        f'filesrc location="{location}" ! {parse} '
        f'! capsfilter caps="video/x-h264,alignment=au,stream-format=byte-stream;'
        f'video/x-h265,alignment=au,stream-format=byte-stream;image/jpeg" ! appsink name=frames sync=false')
    sink = pipeline.get_by_name("frames")
    pipeline.set_state(Gst.State.PLAYING)
    frames, caps = [], None
    while True:
        sample = sink.emit("try-pull-sample", FIRST_PACKET_TIMEOUT_SECONDS * Gst.SECOND)
        if sample is None:
            break
        caps = caps or sample.get_caps()
        buffer = sample.get_buffer()
        frames.append(buffer.extract_dup(0, buffer.get_size()))
    error = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if not frames:
        reason = error.parse_error()[0].message if error is not None else "no frame came out of it"
        return f"--clip {args.clip} gives no frames ({reason})"
    name = caps.get_structure(0).get_name()
    args.clip_codec = {"image/jpeg": "mjpeg", "video/x-h265": "h265"}.get(name, "h264")
    args.clip_caps = caps
    args.clip_frames = frames
    return None


def is_hevc_nal_header(header):
    """True for the two-byte header of an H.265 parameter set, delimiter or SEI (what a stream starts with); an H.264
    stream's first NAL unit (SPS 0x67, delimiter 0x09, SEI 0x06) has another type in those bits."""
    return len(header) == 2 and (header[0] >> 1) & 0x3F in (32, 33, 34, 35, 39) and header[1] == 1


class ClipFeeder:
    """Pushes --clip's frames into one served stream at --fps, looping; due times come from the monotonic clock, so
    the rate does not drift with the timer's own lateness. One timer serves every stream (--mounts): a timer each
    would cost a wake-up per stream per tick."""

    active = []
    source = None

    def __init__(self, appsrc, args):
        self.appsrc = appsrc
        appsrc.set_property("caps", args.clip_caps)
        self.frames = args.clip_frames
        self.interval = 1.0 / args.fps
        self.start = None
        self.sent = 0
        ClipFeeder.active.append(self)
        if ClipFeeder.source is None:
            ClipFeeder.source = GLib.timeout_add(CLIP_TICK_MS, ClipFeeder.tick_all)

    @staticmethod
    def tick_all():
        for feeder in list(ClipFeeder.active):
            if not feeder.tick():
                feeder.stop()
        if not ClipFeeder.active:
            ClipFeeder.source = None
            return False
        return True

    def tick(self):
        # Frames are timestamped with the pipeline's clock as they are pushed: only once it plays (a reader is there).
        if self.appsrc.get_state(0)[1] != Gst.State.PLAYING:
            self.start = None
            return True
        if self.start is None:
            self.start, self.first = time.monotonic(), self.sent
        due = self.first + int((time.monotonic() - self.start) / self.interval) + 1
        while self.sent < due:
            data = self.frames[self.sent % len(self.frames)]
            if self.appsrc.emit("push-buffer", Gst.Buffer.new_wrapped(data)) != Gst.FlowReturn.OK:
                return False  # the stream is gone (its last reader left)
            self.sent += 1
        return True

    def stop(self):
        if self in ClipFeeder.active:
            ClipFeeder.active.remove(self)


def x264(args, width, height, fps):
    bitrate = args.bitrate or max(500, int(width * height * fps) // 10000)
    key_interval = max(1, round(fps / 2))
    return (f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={key_interval} bitrate={bitrate} "
            f"! video/x-h264,profile=baseline "
            f"! rtph264pay name=pay0 pt=96 config-interval=1")


def video_encoder_chain(args):
    """The served side of --video: whatever frame the player last handed over, at the file's rate (intervideosrc
    repeats a frame if the player is late, so the stream stays live)."""
    width, height, rate = args.video_format
    return (f"intervideosrc channel={args.video_channel} "
            f"! video/x-raw,format=I420,width={width},height={height},framerate={rate} "
            + (f"! videoconvert {mjpeg(args)}" if args.codec == "mjpeg"
               else f"! videoconvert ! {x264(args, width, height, args.video_fps)}"))


def player_line(args, sink):
    """Decodes the file in real time into I420 at its own size: the format the served side asks for."""
    location = args.video.replace("\\", "\\\\").replace('"', '\\"')
    return f'filesrc location="{location}" ! decodebin ! videoconvert ! video/x-raw,format=I420 ! {sink}'


def probe_video(args):
    """Decodes the first frame of --video; returns ((width, height, "num/den"), None) or (None, problem)."""
    problem = missing_elements(VIDEO_ELEMENT_PACKAGES)
    if problem is not None:
        return None, problem
    pipeline = Gst.parse_launch(player_line(args, "fakesink name=probe signal-handoffs=true sync=false"))
    outcome = run_until_first_buffer(pipeline, "decoded frame")
    pipeline.set_state(Gst.State.NULL)
    if "caps" not in outcome:
        error = outcome.get("error", "unknown error")
        if outcome.get("missing_plugin") or "decoder" in error.lower() or "missing" in error.lower():
            error += (" - the file's codec has no GStreamer decoder here; Debian's gstreamer1.0-libav has most "
                      "(e.g. MS-MPEG4 of vtest.avi)")
        return None, f"--video {args.video} does not play: {error}"
    structure = outcome["caps"].get_structure(0)
    ok, num, den = structure.get_fraction("framerate")
    if not ok or num <= 0 or den <= 0:
        num, den = 25, 1  # a file without a frame rate (rare): play it at a common one
    return (structure.get_value("width"), structure.get_value("height"), f"{num}/{den}"), None


def run_until_first_buffer(pipeline, what):
    """Plays pipeline until its fakesink "probe" gets a buffer (outcome["caps"]), an error, or the timeout."""
    loop = GLib.MainLoop()
    outcome = {}

    def on_buffer(_sink, _buffer, pad):
        outcome.setdefault("caps", pad.get_current_caps())
        GLib.idle_add(loop.quit)

    def on_message(_bus, message):
        if message.type == Gst.MessageType.ERROR:
            error, debug = message.parse_error()
            outcome.setdefault("error", f"{error.message} ({debug})" if debug else error.message)
            loop.quit()
        elif message.type == Gst.MessageType.ELEMENT and message.get_structure() is not None \
                and message.get_structure().get_name() == "missing-plugin":
            outcome["missing_plugin"] = True

    def on_timeout():
        outcome["timed_out"] = True
        outcome.setdefault("error", f"no {what} within {FIRST_PACKET_TIMEOUT_SECONDS} s")
        loop.quit()
        return False

    pipeline.get_by_name("probe").connect("handoff", on_buffer)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    timer = GLib.timeout_add_seconds(FIRST_PACKET_TIMEOUT_SECONDS, on_timeout)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    if not outcome.get("timed_out"):
        GLib.source_remove(timer)
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    return outcome


class LoopingPlayer:
    """Plays --video in real time into the inter channel the served stream reads, seeking back to the start at the
    end of the file (a flushing seek: the served side keeps its own timestamps, so readers see no discontinuity)."""

    def __init__(self, args):
        self.pipeline = Gst.parse_launch(player_line(args, f"intervideosink channel={args.video_channel}"))
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)
        self.loops = 0

    def start(self):
        self.pipeline.set_state(Gst.State.PLAYING)

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)

    def on_message(self, _bus, message):
        if message.type == Gst.MessageType.EOS:
            self.loops += 1
            self.pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)
        elif message.type == Gst.MessageType.ERROR:
            error, _debug = message.parse_error()
            # Die by a signal-like code so the supervisor restarts the worker: a reader reconnects and plays on.
            print(f"rtsp simulator video player failed: {error.message}", file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGABRT)


def launch_line(args):
    return f"( {encoder_chain(args)} )"


def check_stream(args):
    """Builds the stream once, as a reader would get it, and waits for its first RTP packet.

    Returns None when packets flow, else a message naming what is missing and the Debian package to install.
    """
    Gst.init(None)
    if args.clip is not None:
        # The served side pushes from memory and is not playable alone; a clip that loads is one that plays.
        return load_clip(args)
    elements = ELEMENT_PACKAGES if args.video is None else \
        {e: p for e, p in ELEMENT_PACKAGES.items() if e not in ("videotestsrc", "textoverlay", "timeoverlay", "clockoverlay")}
    if args.codec == "mjpeg":
        elements = {e: p for e, p in elements.items() if e not in ("x264enc", "rtph264pay")} | MJPEG_ELEMENT_PACKAGES
    problem = missing_elements(elements)
    if problem is not None:
        return problem
    if args.video is not None:
        # The file must decode: the served side alone would prove nothing (intervideosrc sends black until fed).
        problem = prepare_video(args)
        if problem is not None:
            return problem
    try:
        pipeline = Gst.parse_launch(f"{encoder_chain(args)} ! fakesink name=probe signal-handoffs=true sync=false")
    except GLib.Error as error:
        return f"the stream's GStreamer pipeline does not build: {error.message}"
    outcome = run_until_first_buffer(pipeline, "encoded packet")
    if "caps" in outcome:
        return None
    return f"the stream's GStreamer pipeline produced no video: {outcome.get('error', 'unknown error')}"


def prepare_video(args):
    """Finds --video's size and frame rate (the served caps) and the inter channel name; returns a problem or None."""
    video_format, problem = probe_video(args)
    if problem is not None:
        return problem
    args.video_format = video_format
    num, den = (int(part) for part in video_format[2].split("/"))
    args.video_fps = num / den
    # Per process: two simulators in one machine must not share frames (the channel is process-local anyway).
    args.video_channel = f"camera{os.getpid()}"
    return None


class CounterProbe:
    """Writes the frame number into the overlay: a counter a person (or a test) can read off the picture."""

    def __init__(self, overlay):
        self.overlay = overlay
        self.frames = 0

    def __call__(self, pad, info):
        self.overlay.set_property("text", f"frame {self.frames}")
        self.frames += 1
        return Gst.PadProbeReturn.OK


def die_with_parent():
    """In the worker (before exec): get SIGTERM if the supervisor is killed, so no orphan keeps the port."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def supervise(argv, args):
    """Runs the server in a worker process; restarts it (same port) when it dies by a signal, stops it on SIGTERM."""
    stopping = False
    worker = None

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True
        if worker is not None and worker.poll() is None:
            worker.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = args.port
    announced = False
    while True:
        worker_args = [a for a in argv]
        worker_args += ["--port", str(port), "--worker"]
        worker = subprocess.Popen([sys.executable, "-u", os.path.abspath(__file__)] + worker_args,
                                  stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
        if stopping:
            worker.terminate()
        for line in worker.stdout:
            ready = READY.match(line)
            if ready:
                port = int(ready.group(1))
                if announced:
                    print(f"rtsp simulator restarted on port {port}", flush=True)
                    continue
                announced = True
            print(line, end="", flush=True)
        code = worker.wait()
        if stopping or code >= 0:
            # Clean stop, or a start-up failure (bad argument, port taken): restarting would not help.
            return 0 if stopping else code
        print(f"rtsp simulator worker died by signal {-code}; restarting on port {port}", file=sys.stderr, flush=True)
        time.sleep(0.2)


class LatestJpeg:
    """The newest JPEG of the pipeline, with its number, for every HTTP client to wait on."""

    def __init__(self):
        self.condition = threading.Condition()
        self.number = 0
        self.jpeg = None
        self.stopped = False

    def publish(self, jpeg):
        with self.condition:
            self.jpeg = jpeg
            self.number += 1
            self.condition.notify_all()

    def after(self, number, timeout):
        """The first JPEG newer than `number`: (number, bytes), or None when stopped or none came in `timeout`."""
        with self.condition:
            if not self.condition.wait_for(lambda: self.stopped or self.number > number, timeout):
                return None
            return None if self.stopped else (self.number, self.jpeg)

    def stop(self):
        with self.condition:
            self.stopped = True
            self.condition.notify_all()


def http_handler(args, latest):
    boundary = "frame"
    expected = None if args.credentials is None else \
        "Basic " + base64.b64encode(args.credentials.encode("utf-8")).decode("ascii")

    class MjpegHandler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            if self.path.split("?")[0] != args.path:
                self.send_error(404, f"no camera at {self.path}; the camera is at {args.path}")
                return
            if expected is not None and self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={boundary}")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            number = 0
            try:
                while True:
                    frame = latest.after(number, timeout=5)
                    if frame is None:
                        return
                    number, jpeg = frame
                    self.wfile.write(f"--{boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                                     .encode("ascii") + jpeg + b"\r\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return  # the reader went away

        def log_message(self, *_):
            pass  # one line per request would flood the log of a stream that never ends

    return MjpegHandler


def serve_http(args):
    """--serve http: the test pattern as JPEGs (jpegenc), served as Motion JPEG over HTTP to every client."""
    Gst.init(None)
    problem = missing_elements({e: p for e, p in ELEMENT_PACKAGES.items() if e not in ("x264enc", "rtph264pay", "fakesink")}
                               | {"jpegenc": "gstreamer1.0-plugins-good", "appsink": "gstreamer1.0-plugins-base"})
    if problem is not None:
        print(f"http simulator failed: {problem}", file=sys.stderr, flush=True)
        return 3
    latest = LatestJpeg()
    pipeline = Gst.parse_launch(f"{test_pattern(args)}! video/x-raw,format=I420 ! jpegenc quality={args.jpeg_quality} "
                                "! appsink name=jpegs emit-signals=true max-buffers=2 drop=true sync=false")
    overlay = pipeline.get_by_name("counter")
    overlay.get_static_pad("video_sink").add_probe(Gst.PadProbeType.BUFFER, CounterProbe(overlay))

    def on_sample(sink):
        buffer = sink.emit("pull-sample").get_buffer()
        latest.publish(buffer.extract_dup(0, buffer.get_size()))
        return Gst.FlowReturn.OK

    pipeline.get_by_name("jpegs").connect("new-sample", on_sample)
    try:
        server = http.server.ThreadingHTTPServer((args.bind, args.port), http_handler(args, latest))
    except OSError as error:
        print(f"http simulator failed: cannot listen on {args.bind}:{args.port}: {error}", file=sys.stderr, flush=True)
        return 1
    server.daemon_threads = True
    pipeline.set_state(Gst.State.PLAYING)
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    host = args.bind if ":" not in args.bind else f"[{args.bind}]"
    print(f"http simulator ready http://{host}:{server.server_address[1]}{args.path}", flush=True)
    loop.run()
    latest.stop()
    server.shutdown()
    pipeline.set_state(Gst.State.NULL)
    print("http simulator stopped", flush=True)
    return 0


def main(argv):
    args = parse_args(argv)
    if args.serve == "http":
        return serve_http(args)
    if not args.worker:
        # The worker gets --port explicitly; drop the caller's so the restarted worker keeps the port first bound.
        rest = []
        skip = False
        for arg in argv:
            if skip:
                skip = False
                continue
            if arg == "--port":
                skip = True
                continue
            if arg.startswith("--port="):
                continue
            rest.append(arg)
        # Once, before anything listens: "ready" then means a reader gets frames, and a machine without a
        # needed plugin fails here, loudly, instead of answering every DESCRIBE with 503.
        problem = check_stream(args)
        if problem is not None:
            print(f"rtsp simulator failed: {problem}", file=sys.stderr, flush=True)
            return 3
        return supervise(rest, args)
    Gst.init(None)
    player = None
    if args.video is not None:
        problem = prepare_video(args)
        if problem is not None:
            print(f"rtsp simulator failed: {problem}", file=sys.stderr, flush=True)
            return 3
        player = LoopingPlayer(args)
        player.start()
    if args.clip is not None:
        problem = load_clip(args)
        if problem is not None:
            print(f"rtsp simulator failed: {problem}", file=sys.stderr, flush=True)
            return 3

    launch = launch_line(args)
    probes = []

    def on_media_configure(_factory, media):
        clipsrc = media.get_element().get_child_by_name("clipsrc")
        if clipsrc is not None:
            feeder = ClipFeeder(clipsrc, args)
            media.connect("unprepared", lambda _media: feeder.stop())
        overlay = media.get_element().get_child_by_name("counter")
        if overlay is not None:
            probe = CounterProbe(overlay)
            probes.append(probe)
            overlay.get_static_pad("video_sink").add_probe(Gst.PadProbeType.BUFFER, probe)

    server = GstRtspServer.RTSPServer()
    server.set_address(args.bind)
    server.set_service(str(args.port))
    for mount in range(1, args.mounts + 1):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        # One pipeline for every reader of a mount: several consumers see the same frames and the CPU cost stays flat.
        factory.set_shared(True)
        factory.connect("media-configure", on_media_configure)
        server.get_mount_points().add_factory(args.path if mount == 1 else f"{args.path}{mount}", factory)

    loop = GLib.MainLoop()
    try:
        source_id = server.attach(None)
    except GLib.Error as error:
        print(f"rtsp simulator failed: cannot listen on {args.bind}:{args.port}: {error.message}", file=sys.stderr, flush=True)
        return 1
    if source_id == 0:
        print(f"rtsp simulator failed: cannot listen on {args.bind}:{args.port} (port in use or address not local?)",
              file=sys.stderr, flush=True)
        return 1

    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)

    host = args.bind if ":" not in args.bind else f"[{args.bind}]"
    print(f"rtsp simulator ready rtsp://{host}:{server.get_bound_port()}{args.path}", flush=True)
    loop.run()
    if player is not None:
        player.stop()
    GLib.source_remove(source_id)
    try:
        print("rtsp simulator stopped", flush=True)
    except BrokenPipeError:
        pass  # the supervisor is gone (killed); nobody is reading
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
