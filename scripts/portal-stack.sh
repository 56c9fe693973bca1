#!/usr/bin/env bash
# A private desktop-portal stack for testing Wayland capture without a compositor:
# a session dbus-daemon, PipeWire + WirePlumber on a private XDG_RUNTIME_DIR, the
# test ScreenCast backend (e2e/fixtures/portal-backend), which, like a compositor,
# provides a real PipeWire Video/Source node per screen-cast session
# (gst-launch-1.0 videotestsrc … ! pipewiresink mode=provide), and the real
# /usr/libexec/xdg-desktop-portal routed to it through a .portal file.
#
#   scripts/portal-stack.sh start [DIR]   start; prints `export VAR=…` lines to eval
#   scripts/portal-stack.sh stop DIR      stop everything started in DIR, remove DIR
#   scripts/portal-stack.sh run           start, print the env, stop on Ctrl-C
#
# e.g.  eval "$(scripts/portal-stack.sh start)"
#       node apps/cli/dist/main.js host --source wayland --relay off --no-audio
#       scripts/portal-stack.sh stop "$PIXELPASS_PORTAL_STACK"
#
# Knobs (environment): PORTAL_STACK_WIDTH/HEIGHT/FPS (the node's video, default
# 1280x720@30), PORTAL_STACK_NO_PORTAL=1 (bus + PipeWire only: "no portal"),
# PORTAL_STACK_CURSOR_MODES (the backend's AvailableCursorModes, default 3),
# PORTAL_STACK_FRONTEND_VERSION=N (no real frontend: the fixture plays an old
# xdg-desktop-portal of ScreenCast version N, e.g. 3: no restore tokens),
# PORTAL_STACK_OWNER_PID (tear down by itself when that process is gone).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIXTURE="$ROOT/e2e/fixtures/portal-backend"
PORTAL_BIN="${PORTAL_STACK_PORTAL_BIN:-/usr/libexec/xdg-desktop-portal}"
PERMISSION_STORE_BIN="${PORTAL_STACK_PERMISSION_STORE_BIN:-/usr/libexec/xdg-permission-store}"
BACKEND_BUS_NAME=org.freedesktop.impl.portal.desktop.pixelpass

die() { echo "portal-stack: $*" >&2; exit 1; }

need() {
  local bin="$1" pkg="$2"
  if [[ "$bin" == /* ]]; then [[ -x "$bin" ]] || die "$bin is missing; install $pkg"
  else command -v "$bin" >/dev/null || die "$bin is missing; install $pkg"; fi
}

# Starts a background process of the stack with its own log, remembers its pid.
spawn() {
  local name="$1"; shift
  setsid "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo "$! $name" >>"$DIR/pids"
}

wait_for() {
  local what="$1" tries="$2"; shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "portal-stack: timed out waiting for $what; logs in $DIR/logs" >&2
  for f in "$DIR"/logs/*.log; do echo "--- $f" >&2; tail -n 20 "$f" >&2; done
  stop_stack "$DIR"
  exit 1
}

bus_has() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

stop_stack() {
  local dir="$1"
  [[ -f "$dir/pids" ]] || { rm -rf "$dir"; return 0; }
  # Reverse start order: portal before backend before PipeWire before the bus.
  local pids
  pids="$(tac "$dir/pids" | awk '{print $1}')"
  for pid in $pids; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 30); do
    local alive=0
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in $pids; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}

start_stack() {
  need dbus-daemon dbus-daemon
  need dbus-send dbus-bin
  need pipewire pipewire
  need wireplumber wireplumber
  need pw-cli pipewire-bin
  need pw-dump pipewire-bin
  need gst-launch-1.0 gstreamer1.0-tools
  need node nodejs
  gst-inspect-1.0 pipewiresink >/dev/null 2>&1 || die "GStreamer element pipewiresink is missing; install gstreamer1.0-pipewire"
  local legacy="${PORTAL_STACK_FRONTEND_VERSION:-}"
  if [[ "${PORTAL_STACK_NO_PORTAL:-0}" != 1 && -z "$legacy" ]]; then
    need "$PORTAL_BIN" xdg-desktop-portal
    need "$PERMISSION_STORE_BIN" xdg-desktop-portal
  fi

  DIR="${1:-$(mktemp -d /tmp/pixelpass-portal-stack.XXXXXX)}"
  mkdir -p "$DIR"/{runtime,logs,backend,config,data,state,cache}
  chmod 700 "$DIR" "$DIR/runtime"
  : >"$DIR/pids"

  local width="${PORTAL_STACK_WIDTH:-1280}" height="${PORTAL_STACK_HEIGHT:-720}" fps="${PORTAL_STACK_FPS:-30}"

  # Private session bus without service activation: only what we start is on it,
  # so "no portal" really means no portal.
  cat >"$DIR/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$DIR/runtime/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

  export XDG_RUNTIME_DIR="$DIR/runtime"
  export DBUS_SESSION_BUS_ADDRESS="unix:path=$DIR/runtime/bus"
  export XDG_CONFIG_HOME="$DIR/config" XDG_DATA_HOME="$DIR/data" XDG_STATE_HOME="$DIR/state" XDG_CACHE_HOME="$DIR/cache"
  export PIPEWIRE_RUNTIME_DIR="$DIR/runtime"
  unset DISPLAY WAYLAND_DISPLAY PIPEWIRE_REMOTE

  spawn dbus-daemon dbus-daemon --nofork --config-file="$DIR/bus.conf"
  wait_for "the session bus" 50 test -S "$DIR/runtime/bus"

  spawn pipewire pipewire
  wait_for "PipeWire" 50 test -S "$DIR/runtime/pipewire-0"
  spawn wireplumber wireplumber
  wait_for "PipeWire to answer" 50 pw-cli info 0

  if [[ "${PORTAL_STACK_NO_PORTAL:-0}" != 1 && -n "$legacy" ]]; then
    echo ok >"$DIR/backend/mode"
    PIXELPASS_PORTAL_BACKEND_DIR="$DIR/backend" PIXELPASS_PORTAL_FRONTEND_VERSION="$legacy" \
      PIXELPASS_PORTAL_NODE_SIZE="${width}x${height}" PIXELPASS_PORTAL_NODE_FPS="$fps" \
      PIXELPASS_PORTAL_CURSOR_MODES="${PORTAL_STACK_CURSOR_MODES:-3}" \
      spawn portal-backend node "$FIXTURE/backend.mjs"
    wait_for "the old-frontend fixture" 100 bus_has org.freedesktop.portal.Desktop
    echo "$(awk '$2 == "portal-backend" {print $1}' "$DIR/pids")" >"$DIR/backend/pid"
  elif [[ "${PORTAL_STACK_NO_PORTAL:-0}" != 1 ]]; then
    echo ok >"$DIR/backend/mode"
    PIXELPASS_PORTAL_BACKEND_DIR="$DIR/backend" PIXELPASS_PORTAL_BUS_NAME="$BACKEND_BUS_NAME" \
      PIXELPASS_PORTAL_NODE_SIZE="${width}x${height}" PIXELPASS_PORTAL_NODE_FPS="$fps" \
      PIXELPASS_PORTAL_CURSOR_MODES="${PORTAL_STACK_CURSOR_MODES:-3}" \
      spawn portal-backend node "$FIXTURE/backend.mjs"
    wait_for "the test portal backend" 100 bus_has "$BACKEND_BUS_NAME"
    echo "$(awk '$2 == "portal-backend" {print $1}' "$DIR/pids")" >"$DIR/backend/pid"

    # Restore tokens live in the permission store: start it ourselves (no activation).
    spawn permission-store "$PERMISSION_STORE_BIN" --replace
    wait_for "xdg-permission-store" 50 bus_has org.freedesktop.impl.portal.PermissionStore

    XDG_CURRENT_DESKTOP=pixelpass XDG_DESKTOP_PORTAL_DIR="$FIXTURE/portals" \
      spawn xdg-desktop-portal "$PORTAL_BIN" --replace --verbose
    wait_for "xdg-desktop-portal" 100 bus_has org.freedesktop.portal.Desktop
  fi

  if [[ -n "${PORTAL_STACK_OWNER_PID:-}" ]]; then
    # Nothing outlives its owner, even when the owner is killed hard.
    (
      trap '' HUP INT
      while kill -0 "$PORTAL_STACK_OWNER_PID" 2>/dev/null && [[ -d "$DIR" ]]; do sleep 1; done
      [[ -d "$DIR" ]] && stop_stack "$DIR"
    ) >/dev/null 2>&1 </dev/null &
    disown
  fi

  cat <<EOF
export PIXELPASS_PORTAL_STACK='$DIR'
export XDG_RUNTIME_DIR='$DIR/runtime'
export DBUS_SESSION_BUS_ADDRESS='unix:path=$DIR/runtime/bus'
export PIPEWIRE_RUNTIME_DIR='$DIR/runtime'
export XDG_STATE_HOME='$DIR/state'
export PIXELPASS_PORTAL_BACKEND_DIR='$DIR/backend'
export PIXELPASS_PORTAL_NODE_SIZE='${width}x${height}'
export XDG_CURRENT_DESKTOP='pixelpass'
export XDG_DESKTOP_PORTAL_DIR='$FIXTURE/portals'
EOF
}

cmd="${1:-}"
case "$cmd" in
  start) shift; start_stack "$@" ;;
  stop)
    [[ -n "${2:-}" ]] || die "usage: $0 stop DIR"
    [[ -f "$2/pids" || ! -e "$2" ]] || die "$2 is not a portal stack directory"
    stop_stack "$2"
    ;;
  run)
    env_lines="$(start_stack)"
    DIR="$(sed -n "s/^export PIXELPASS_PORTAL_STACK='\(.*\)'$/\1/p" <<<"$env_lines")"
    trap 'stop_stack "$DIR"; exit 0' INT TERM
    echo "$env_lines"
    echo "# portal stack running; Ctrl-C stops it" >&2
    while :; do sleep 3600 & wait $!; done
    ;;
  *) die "usage: $0 start [DIR] | stop DIR | run" ;;
esac
