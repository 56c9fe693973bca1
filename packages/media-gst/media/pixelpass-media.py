#!/usr/bin/python3
"""The media process pixelpass runs: one GStreamer pipeline (the description in
argv[1]) writing MPEG-TS to stdout, that takes commands while it plays --
which gst-launch-1.0 cannot.

Commands, one JSON object per line on stdin:
  {"cmd": "keyframe"}                         a keyframe from every encoder, on
                                              the same frame (a viewer joins)
  {"cmd": "keyframe-every", "seconds": 2}     such keyframes at that interval
  {"cmd": "set", "element": "venc0", "property": "bitrate", "value": 1500}
Events, one line each on stderr, prefixed "PIXELPASS ": {"event": "playing"},
{"event": "keyframe-requested", "at": <monotonic s>}.
Everything else on stderr is GStreamer's (warnings, errors).

Ends with EOS on SIGINT/SIGTERM (the muxer flushes), and at once when stdin
closes: the host is gone, and a media process must never outlive it.
Pixels never pass through Python: it only builds, starts and steers the pipeline.
"""
import json
import os
import signal
import sys
import threading
import time

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstVideo', '1.0')
from gi.repository import GLib, Gst, GstVideo  # noqa: E402


def event(name, **fields):
    sys.stderr.write('PIXELPASS ' + json.dumps(dict(event=name, **fields)) + '\n')
    sys.stderr.flush()


def main():
    if len(sys.argv) != 2:
        sys.stderr.write('usage: pixelpass-media.py <pipeline description>\n')
        return 2
    Gst.init(None)
    try:
        pipeline = Gst.parse_launch(sys.argv[1])
    except GLib.Error as err:
        sys.stderr.write('ERROR: erroneous pipeline: %s\n' % err.message)
        return 1
    loop = GLib.MainLoop()
    status = {'code': 0, 'eos_sent': False}

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            sys.stderr.write('ERROR: from element %s: %s\n' % (msg.src.get_path_string(), err.message))
            if debug:
                sys.stderr.write('Additional debug info:\n%s\n' % debug)
            status['code'] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.WARNING:
            warn, _ = msg.parse_warning()
            sys.stderr.write('WARNING: from element %s: %s\n' % (msg.src.get_path_string(), warn.message))
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.STATE_CHANGED and msg.src == pipeline:
            _, new, _ = msg.parse_state_changed()
            if new == Gst.State.PLAYING:
                event('playing')
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)

    def stop(*_):
        # First signal: EOS, so the muxer writes out what it holds; a second: now.
        if status['eos_sent']:
            loop.quit()
        else:
            status['eos_sent'] = True
            pipeline.send_event(Gst.Event.new_eos())
            GLib.timeout_add(2000, lambda: loop.quit() or False)
        return True

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, stop)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, stop)

    # A keyframe is asked for at the one point all encoders share (the element
    # named "keyunit", before any tee): a downstream event, serialized with the
    # frames, so every encoder makes the same frame a keyframe.
    keyunit = pipeline.get_by_name('keyunit')
    counter = {'n': 0}
    periodic = {'id': 0}

    def force_keyframe():
        if keyunit is None:
            return False
        counter['n'] += 1
        ev = GstVideo.video_event_new_downstream_force_key_unit(
            Gst.CLOCK_TIME_NONE, Gst.CLOCK_TIME_NONE, Gst.CLOCK_TIME_NONE, True, counter['n'])
        # send_event on the sink pad takes its stream lock: the event lands between two frames.
        keyunit.get_static_pad('sink').send_event(ev)
        event('keyframe-requested', at=time.monotonic())
        return False

    def apply(command):
        cmd = command.get('cmd')
        if cmd == 'keyframe':
            force_keyframe()
        elif cmd == 'keyframe-every':
            # The regular keyframes of a ladder, forced at the one shared point.
            if periodic['id']:
                GLib.source_remove(periodic['id'])
            ms = int(float(command.get('seconds', 2)) * 1000)
            periodic['id'] = GLib.timeout_add(max(100, ms), lambda: force_keyframe() or True)
        elif cmd == 'set':
            element = pipeline.get_by_name(str(command.get('element')))
            if element is None:
                sys.stderr.write('WARNING: no element named %s\n' % command.get('element'))
            else:
                element.set_property(str(command['property']), command['value'])
        else:
            sys.stderr.write('WARNING: unknown command %r\n' % cmd)
        return False

    def read_commands():
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                command = json.loads(line)
            except ValueError:
                sys.stderr.write('WARNING: not a command: %r\n' % line[:80])
                continue
            GLib.idle_add(apply, command)
        # The host closed our stdin: it is gone or stopping. Never outlive it.
        GLib.idle_add(stop)

    threading.Thread(target=read_commands, daemon=True).start()

    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        # The bus carries the element's error; let the loop print it.
        GLib.timeout_add(200, lambda: loop.quit() or False)
        status['code'] = 1
    try:
        loop.run()
    finally:
        pipeline.set_state(Gst.State.NULL)
    return status['code']


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        # Don't let a flush of a closed pipe turn into a traceback.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            os._exit(0)
