#!/usr/bin/python3
"""RTSP camera simulator for AspirePipeline, on GStreamer's RTSP server (Debian: gir1.2-gst-rtsp-server-1.0,
python3-gst-1.0, gstreamer1.0-plugins-{base,good,ugly}).

Serves a live H.264 test pattern: a ball moving over a flat background, the frame number, the running time and the
wall clock. The background and ball sizes are fixed, so the mean pixel value of a frame stays nearly constant while
the picture visibly moves (the consumers' correctness test relies on that). One shared pipeline feeds every reader.

GStreamer's RTSP server (1.22) can abort on an internal assertion (gst_rtsp_media_get_rates) when readers vanish
while the shared media is being set up; the process then dies by SIGABRT. So the server runs in a worker process that
this script restarts on the same port at once when it dies by a signal; readers just reconnect.

Usage: rtsp_simulator.py [--port 8554] [--path /camera] [--width 1280] [--height 720] [--fps 30] [--bind 127.0.0.1]
Prints "rtsp simulator ready rtsp://<host>:<port><path>" once listening (with --port 0 the port is chosen by the OS
and the printed URL has the real one). Exits cleanly on SIGTERM/SIGINT. Run with Debian's /usr/bin/python3: the
GObject bindings come from Debian packages, not pip.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
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
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
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
    """The stream: test pattern, overlays, H.264, RTP packets (the RTSP server takes them from the element pay0)."""
    bitrate = args.bitrate or max(500, args.width * args.height * args.fps // 10000)
    # Keyframes twice a second so a reader (ffmpeg) can join within half a second.
    key_interval = max(1, args.fps // 2)
    font = max(12, args.height // 24)
    return (
        f"videotestsrc is-live=true pattern=ball motion=wavy animation-mode=frames "
        f"background-color=0xff406080 foreground-color=0xfff0f0f0 "
        f"! video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1 "
        f"! textoverlay name=counter text=\"frame 0\" valignment=top halignment=left font-desc=\"Sans {font}\" "
        f"! timeoverlay valignment=bottom halignment=left font-desc=\"Sans {font}\" "
        f"! clockoverlay valignment=bottom halignment=right time-format=\"%H:%M:%S\" font-desc=\"Sans {font}\" "
        f"! videoconvert "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={key_interval} bitrate={bitrate} "
        f"! video/x-h264,profile=baseline "
        f"! rtph264pay name=pay0 pt=96 config-interval=1"
    )


def launch_line(args):
    return f"( {encoder_chain(args)} )"


def check_stream(args):
    """Builds the stream once, as a reader would get it, and waits for its first RTP packet.

    Returns None when packets flow, else a message naming what is missing and the Debian package to install.
    """
    Gst.init(None)
    missing = sorted({f"{element} ({package})" for element, package in ELEMENT_PACKAGES.items()
                      if Gst.ElementFactory.find(element) is None})
    if missing:
        packages = sorted({package for element, package in ELEMENT_PACKAGES.items()
                           if Gst.ElementFactory.find(element) is None})
        return (f"GStreamer elements missing: {', '.join(missing)}. Install the Debian package(s) "
                f"{' '.join(packages)} (scripts/prerequisites.sh does).")
    try:
        pipeline = Gst.parse_launch(f"{encoder_chain(args)} ! fakesink name=probe signal-handoffs=true sync=false")
    except GLib.Error as error:
        return f"the stream's GStreamer pipeline does not build: {error.message}"
    loop = GLib.MainLoop()
    outcome = {}

    def on_packet(*_):
        outcome.setdefault("ok", True)
        GLib.idle_add(loop.quit)

    def on_message(_bus, message):
        if message.type == Gst.MessageType.ERROR:
            error, debug = message.parse_error()
            outcome.setdefault("error", f"{error.message} ({debug})" if debug else error.message)
            loop.quit()

    def on_timeout():
        outcome["timed_out"] = True
        outcome.setdefault("error", f"no encoded packet within {FIRST_PACKET_TIMEOUT_SECONDS} s")
        loop.quit()
        return False

    pipeline.get_by_name("probe").connect("handoff", on_packet)
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
    if outcome.get("ok"):
        return None
    return f"the stream's GStreamer pipeline produced no video: {outcome.get('error', 'unknown error')}"


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


def main(argv):
    args = parse_args(argv)
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

    launch = launch_line(args)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    # One encoder pipeline for every reader: several consumers see the same frames and the CPU cost stays flat.
    factory.set_shared(True)
    probes = []

    def on_media_configure(_factory, media):
        overlay = media.get_element().get_child_by_name("counter")
        if overlay is not None:
            probe = CounterProbe(overlay)
            probes.append(probe)
            overlay.get_static_pad("video_sink").add_probe(Gst.PadProbeType.BUFFER, probe)

    factory.connect("media-configure", on_media_configure)

    server = GstRtspServer.RTSPServer()
    server.set_address(args.bind)
    server.set_service(str(args.port))
    server.get_mount_points().add_factory(args.path, factory)

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
    GLib.source_remove(source_id)
    try:
        print("rtsp simulator stopped", flush=True)
    except BrokenPipeError:
        pass  # the supervisor is gone (killed); nobody is reading
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
