#!/bin/sh
# A private PipeWire sound server (session bus + pipewire + wireplumber +
# pipewire-pulse) on its own XDG_RUNTIME_DIR, for trying audio by hand as root
# without systemd. The e2e tests use e2e/helpers/sound-server.ts instead.
#
#   eval "$(scripts/sound-server.sh start)"     # exports PULSE_SERVER etc. and PIXELPASS_SOUND_DIR
#   pactl info; pixelpass app-list; ...
#   scripts/sound-server.sh stop "$PIXELPASS_SOUND_DIR"
set -eu

start() {
  for tool in dbus-daemon pipewire wireplumber pipewire-pulse pactl; do
    command -v "$tool" >/dev/null || { echo "sound-server.sh: $tool is missing (see scripts/system-packages.txt)" >&2; exit 1; }
  done
  dir=$(mktemp -d /tmp/pp-sound-XXXXXX)
  export XDG_RUNTIME_DIR="$dir" PIPEWIRE_RUNTIME_DIR="$dir" PULSE_SERVER="unix:$dir/pulse/native" \
    XDG_STATE_HOME="$dir/state" XDG_CONFIG_HOME="$dir/config" PULSE_COOKIE="$dir/pulse-cookie"
  bus=$(dbus-daemon --session --fork --print-address=1 --print-pid=1)
  DBUS_SESSION_BUS_ADDRESS=$(echo "$bus" | sed -n 1p)
  export DBUS_SESSION_BUS_ADDRESS
  echo "$bus" | sed -n 2p >"$dir/pids"
  setsid pipewire >"$dir/pipewire.log" 2>&1 &
  echo $! >>"$dir/pids"
  i=0; while [ ! -S "$dir/pipewire-0" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  setsid wireplumber >"$dir/wireplumber.log" 2>&1 &
  echo $! >>"$dir/pids"
  setsid pipewire-pulse >"$dir/pipewire-pulse.log" 2>&1 &
  echo $! >>"$dir/pids"
  i=0; until pactl info >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "sound-server.sh: pactl info never answered; logs in $dir" >&2; stop "$dir"; exit 1; }
    sleep 0.1
  done
  # Stand-in speakers when there is no real sink.
  if ! pactl list short sinks | cut -f2 | grep -qv '^auto_null$'; then
    pactl load-module module-null-sink sink_name=pp_speakers sink_properties=device.description=Speakers >/dev/null
    i=0; until [ "$(pactl get-default-sink)" = "pp_speakers" ] || [ $i -ge 50 ]; do pactl set-default-sink pp_speakers; sleep 0.1; i=$((i + 1)); done
  fi
  for v in XDG_RUNTIME_DIR PIPEWIRE_RUNTIME_DIR PULSE_SERVER XDG_STATE_HOME XDG_CONFIG_HOME PULSE_COOKIE DBUS_SESSION_BUS_ADDRESS; do
    eval "printf 'export %s=%s\n' $v \"\$$v\""
  done
  echo "export PIXELPASS_SOUND_DIR=$dir"
}

stop() {
  dir=${1:?usage: sound-server.sh stop DIR}
  case "$dir" in /tmp/pp-sound-*) ;; *) echo "sound-server.sh: $dir is not a sound-server dir" >&2; exit 2 ;; esac
  if [ -f "$dir/pids" ]; then
    # Newest first: pipewire-pulse, wireplumber, pipewire, then the bus.
    for pid in $(tac "$dir/pids"); do kill "$pid" 2>/dev/null || true; done
    sleep 0.3
    for pid in $(cat "$dir/pids"); do kill -9 "$pid" 2>/dev/null || true; done
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
