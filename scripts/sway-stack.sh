#!/usr/bin/env bash
# A private, headless, REAL Wayland desktop for testing Wayland capture end to end:
# sway (wlroots, headless backend, pixman renderer: no GPU, no /dev/dri), the real
# xdg-desktop-portal-wlr ScreenCast backend, the real xdg-desktop-portal frontend,
# PipeWire + WirePlumber and a session dbus-daemon, all on a private
# XDG_RUNTIME_DIR and bus. Nobody has to click: xdpw's output chooser is a script
# of this stack that answers with the output named in DIR/choice and records
# each call in DIR/chooser-calls.
#
#   scripts/sway-stack.sh start [DIR]        start; prints `export VAR=…` lines to eval
#   scripts/sway-stack.sh stop DIR           stop everything started in DIR, remove DIR
#   scripts/sway-stack.sh window DIR OUTPUT SPEC [WxH]
#                                            open a client window on OUTPUT, prints its pid;
#                                            SPEC: a colour (#rrggbb) or a videotestsrc
#                                            pattern (ball, smpte, …); WxH: its video size
#   scripts/sway-stack.sh create-output DIR WxH  add an output (a monitor plugged in), prints its name
#   scripts/sway-stack.sh unplug DIR OUTPUT  remove an output (SWAY_STACK_NESTED=1 stacks only)
#   scripts/sway-stack.sh run                start, print the env, stop on Ctrl-C
#
# e.g.  eval "$(scripts/sway-stack.sh start)"
#       node apps/cli/dist/main.js host --source wayland --relay off --no-audio
#       scripts/sway-stack.sh stop "$SWAY_STACK"
#
# Who runs what. sway refuses to run as root, so when this script runs as root the
# compositor, its clients, PipeWire, WirePlumber, xdpw and the bus run as the
# unprivileged user SWAY_STACK_USER (created if missing). xdg-desktop-portal reads
# /proc/<caller>/root, so it must run as root or as the caller's uid: it runs as
# root unless SWAY_STACK_FRONTEND_USER=stack. Run by a normal user, everything
# runs as that user.
#
# Why an LD_PRELOAD shim for xdpw: xdg-desktop-portal-wlr 0.7.x refuses Start
# ("wlroots: unable to receive a valid format from wlr_screencopy") unless the
# compositor announces a DMA-BUF format, which the pixman renderer never does.
# e2e/fixtures/sway/xdpw-dmabuf-shim.c announces the shared-memory format as one;
# buffers stay shared memory. Not needed from xdpw 0.8.0 on (SWAY_STACK_SHIM=0).
#
# Knobs (environment):
#   SWAY_STACK_OUTPUTS     outputs at start, WxH[@scale] each, space separated
#                          (default "1280x720"); named HEADLESS-1, HEADLESS-2, …,
#                          laid out left to right
#   SWAY_STACK_CHOICE      what the chooser answers at first (default HEADLESS-1;
#                          "cancel": the user cancels); change it later in DIR/choice
#   SWAY_STACK_PERSIST     XDPW_PERSIST_MODE for xdpw: permanent (default), transient,
#                          none. Upstream xdpw hands out restore data only when it
#                          allows; 0.7.0's Start reads persist_mode through a stale
#                          list cursor, so on that build it makes no difference.
#   SWAY_STACK_MAX_FPS     xdpw's max_fps (default 30)
#   SWAY_STACK_XDPW_LOG    xdpw log level: QUIET ERROR WARN INFO (default) DEBUG TRACE
#   SWAY_STACK_PIPEWIRE_DEBUG  PIPEWIRE_DEBUG for the PipeWire daemon and xdpw's
#                          PipeWire client (e.g. 3, or "3,pw.stream:5")
#   SWAY_STACK_USER        the unprivileged user (default pixelpass-sway)
#   SWAY_STACK_FRONTEND_USER  root (default when run as root) or stack
#   SWAY_STACK_SHIM        1 (default) / 0: preload the DMA-BUF shim into xdpw
#   SWAY_STACK_OWNER_PID   tear everything down by itself when that process is gone
#   SWAY_STACK_NESTED      1: the desktop under test is a sway on the *Wayland* backend,
#                          nested in a headless sway; its outputs WL-1, WL-2, … are
#                          windows there, so `unplug DIR OUTPUT` can really remove one
#                          (sway 1.7 cannot remove a headless output: `output … unplug`
#                          came in 1.8, and `output … disable` fails to commit on the
#                          headless backend). Default 0: outputs HEADLESS-1, HEADLESS-2, …
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHIM_SOURCE="$ROOT/e2e/fixtures/sway/xdpw-dmabuf-shim.c"
XDPW_BIN="${SWAY_STACK_XDPW_BIN:-/usr/libexec/xdg-desktop-portal-wlr}"
PORTAL_BIN="${SWAY_STACK_PORTAL_BIN:-/usr/libexec/xdg-desktop-portal}"
PERMISSION_STORE_BIN="${SWAY_STACK_PERMISSION_STORE_BIN:-/usr/libexec/xdg-permission-store}"
WLR_PORTAL_FILE=/usr/share/xdg-desktop-portal/portals/wlr.portal
XDPW_BUS_NAME=org.freedesktop.impl.portal.desktop.wlr

die() { echo "sway-stack: $*" >&2; exit 1; }

need() {
  local bin="$1" pkg="$2"
  if [[ "$bin" == /* ]]; then [[ -e "$bin" ]] || die "$bin is missing; install the Debian package $pkg"
  else command -v "$bin" >/dev/null || die "$bin is missing; install the Debian package $pkg"; fi
}

check_components() {
  need sway sway
  need swaymsg sway
  need swaybg swaybg
  need "$XDPW_BIN" xdg-desktop-portal-wlr
  need "$WLR_PORTAL_FILE" xdg-desktop-portal-wlr
  need "$PORTAL_BIN" xdg-desktop-portal
  need "$PERMISSION_STORE_BIN" xdg-desktop-portal
  need pipewire pipewire-bin
  need pw-cli pipewire-bin
  need wireplumber wireplumber
  need dbus-daemon dbus-daemon
  need dbus-send dbus-bin
  need gst-launch-1.0 gstreamer1.0-tools
  need setsid util-linux
  gst-inspect-1.0 waylandsink >/dev/null 2>&1 || die "GStreamer element waylandsink is missing; install the Debian package gstreamer1.0-plugins-bad"
  if [[ "${SWAY_STACK_SHIM:-1}" == 1 ]]; then
    need gcc gcc
    [[ -e /usr/include/dlfcn.h ]] || die "/usr/include/dlfcn.h is missing; install the Debian package libc6-dev"
  fi
  if [[ "$(id -u)" == 0 ]]; then need runuser util-linux; need useradd passwd; fi
}

# ---- who runs what -----------------------------------------------------------

STACK_USER="$(id -un)"
FRONTEND_USER="$(id -un)"
if [[ "$(id -u)" == 0 ]]; then
  STACK_USER="${SWAY_STACK_USER:-pixelpass-sway}"
  FRONTEND_USER=root
  [[ "${SWAY_STACK_FRONTEND_USER:-root}" == stack ]] && FRONTEND_USER="$STACK_USER"
fi

ensure_user() {
  [[ "$(id -u)" == 0 ]] || return 0
  id -u "$STACK_USER" >/dev/null 2>&1 && return 0
  # Two stacks starting at once must not both create the user.
  exec 9>/run/lock/pixelpass-sway-user.lock
  flock 9
  if ! id -u "$STACK_USER" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --comment "pixelpass test compositor (scripts/sway-stack.sh)" "$STACK_USER" \
      || die "cannot create the user $STACK_USER"
    echo "sway-stack: created the user $STACK_USER (sway refuses to run as root)" >&2
  fi
  exec 9>&-
}

# Runs CMD as USER (directly when that is who we are).
as() {
  local user="$1"; shift
  if [[ "$user" == "$(id -un)" ]]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

# Starts one long-lived process of the stack as USER, in its own session, with its
# own log, and records its pid. runuser waits for its child, so the pid is taken in
# the user's own shell ($! of a background setsid is the process itself: setsid
# does not fork when it is not a process-group leader).
spawn() {  # spawn USER NAME "VAR=… VAR=…" CMD...
  local user="$1" name="$2" vars="$3"; shift 3
  local cmd; cmd="$(printf '%q ' "$@")"
  as "$user" bash -c ". '$DIR/env.sh'; $vars setsid $cmd >>'$DIR/logs/$name.log' 2>&1 </dev/null & echo \"\$! $name\" >>'$DIR/pids'"
}

pid_of() { awk -v n="$1" '$2 == n {print $1}' "$DIR/pids" | tail -1; }

# sway's IPC socket is named after its uid and pid.
ipc_socket() { echo "$DIR/runtime/sway-ipc.$(id -u "$STACK_USER").$1.sock"; }

# Wayland sockets in the runtime dir, oldest first.
wayland_sockets() { ls -tr "$DIR/runtime" | grep -v '\.lock$' | grep '^wayland-[0-9]'; }

# Nested stacks: sizes and places the outer window that shows inner output NAME.
place_nested_output() {  # place_nested_output NAME W H X
  local name="$1" w="$2" h="$3" x="$4" tries
  for ((tries = 0; tries < 100; tries++)); do
    SWAYSOCK="$OUTER_SOCK" swaymsg -t get_tree -r | grep -q "\"name\": \"wlroots - $name\"" && break
    sleep 0.1
  done
  SWAYSOCK="$OUTER_SOCK" swaymsg "[title=\"^wlroots - $name\$\"] resize set width $w px height $h px, move absolute position $x 0" >/dev/null \
    || die "cannot place the window of nested output $name"
  for ((tries = 0; tries < 50; tries++)); do
    [[ "$(SWAYSOCK="$SWAYSOCK" swaymsg -t get_outputs -r | node -e '
const o = JSON.parse(require("fs").readFileSync(0, "utf8")).find((o) => o.name === process.argv[1]);
console.log(o && o.current_mode ? `${o.current_mode.width}x${o.current_mode.height}` : "");' "$name")" == "${w}x$h" ]] && return 0
    sleep 0.1
  done
  echo "sway-stack: warning: nested output $name did not take the size ${w}x$h" >&2
}

# What a running stack's subcommands need.
load_stack() {
  DIR="$1"
  [[ -f "$DIR/pids" ]] || die "$DIR is not a sway stack directory"
  STACK_USER="$(stat -c %U "$DIR/runtime")"
  SWAYSOCK="$(ipc_socket "$(pid_of sway)")"
  [[ -S "$SWAYSOCK" ]] || die "sway is not running in $DIR"
  OUTER_SOCK=""
  [[ -n "$(pid_of sway-outer)" ]] && OUTER_SOCK="$(ipc_socket "$(pid_of sway-outer)")"
  WAYLAND_NAME="$(cat "$DIR/wayland-display")"
}

wait_for() {  # wait_for WHAT TENTHS CMD...
  local what="$1" tries="$2"; shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "sway-stack: timed out waiting for $what; logs in $DIR/logs" >&2
  for f in "$DIR"/logs/*.log; do [[ -e "$f" ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  stop_stack "$DIR"
  exit 1
}

bus_has() {
  DBUS_SESSION_BUS_ADDRESS="unix:path=$DIR/runtime/bus" dbus-send --session --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

swaymsg_() { SWAYSOCK="$SWAYSOCK" swaymsg "$@"; }

# ---- files ---------------------------------------------------------------------

write_files() {
  mkdir -p "$DIR"/{runtime,logs,config/sway,config/xdg-desktop-portal-wlr,portals,data,state,cache,home}
  chmod 755 "$DIR"
  chmod 700 "$DIR/runtime"
  : >"$DIR/pids"
  : >"$DIR/chooser-calls"
  echo "${SWAY_STACK_CHOICE:-$OUTPUT_PREFIX-1}" >"$DIR/choice"

  # Private bus without service activation: only what we start is on it. Any uid
  # may connect (the frontend may run as root, the rest as the stack user).
  cat >"$DIR/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$DIR/runtime/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

  # Outputs: HEADLESS-N (WL-N when nested) in the order given; no bar, no borders,
  # black backgrounds.
  {
    echo "# written by scripts/sway-stack.sh"
    local i=1 spec size scale
    for spec in $OUTPUTS; do
      size="${spec%@*}"; scale=1; [[ "$spec" == *@* ]] && scale="${spec#*@}"
      echo "output $OUTPUT_PREFIX-$i resolution $size scale $scale bg #000000 solid_color"
      i=$((i + 1))
    done
    echo "default_border none"
    echo "default_floating_border none"
    echo "focus_follows_mouse no"
    echo "focus_on_window_activation none"
    echo "xwayland disable"
  } >"$DIR/config/sway/config"

  if [[ "$NESTED" == 1 ]]; then
    # The outer compositor only hosts the inner one's outputs, as floating windows.
    local total_w=0 max_h=0
    for spec in $OUTPUTS; do
      size="${spec%@*}"; total_w=$((total_w + ${size%x*})); ((${size#*x} > max_h)) && max_h=${size#*x}
    done
    mkdir -p "$DIR/config/outer"
    cat >"$DIR/config/outer/config" <<EOF
# written by scripts/sway-stack.sh: the headless compositor hosting the nested one
output HEADLESS-1 resolution $((total_w + 2048))x$((max_h + 1024)) bg #000000 solid_color
default_border none
default_floating_border none
focus_follows_mouse no
xwayland disable
for_window [app_id="wlroots"] floating enable
EOF
  fi

  # The output chooser xdpw runs at SelectSources (when there is no restore data):
  # prints the output named in DIR/choice; "cancel" prints nothing (= cancelled).
  cat >"$DIR/chooser" <<EOF
#!/bin/sh
choice=\$(cat '$DIR/choice' 2>/dev/null)
echo "\$(date +%s.%N) \$choice" >>'$DIR/chooser-calls'
[ "\$choice" = cancel ] || echo "\$choice"
EOF
  chmod 755 "$DIR/chooser"

  cat >"$DIR/config/xdg-desktop-portal-wlr/config" <<EOF
[screencast]
chooser_type=simple
chooser_cmd=$DIR/chooser
max_fps=${SWAY_STACK_MAX_FPS:-30}
EOF

  # Only the wlr backend: the frontend must not try other installed backends.
  cp "$WLR_PORTAL_FILE" "$DIR/portals/"

  cat >"$DIR/env.sh" <<EOF
export XDG_RUNTIME_DIR='$DIR/runtime' PIPEWIRE_RUNTIME_DIR='$DIR/runtime'
export DBUS_SESSION_BUS_ADDRESS='unix:path=$DIR/runtime/bus'
export XDG_CONFIG_HOME='$DIR/config' XDG_DATA_HOME='$DIR/data' XDG_STATE_HOME='$DIR/state' XDG_CACHE_HOME='$DIR/cache'
export HOME='$DIR/home'
unset DISPLAY WAYLAND_DISPLAY PIPEWIRE_REMOTE SWAYSOCK
EOF

  if [[ "${SWAY_STACK_SHIM:-1}" == 1 ]]; then
    gcc -shared -fPIC -O2 -Wall -o "$DIR/xdpw-dmabuf-shim.so" "$SHIM_SOURCE" 2>"$DIR/logs/shim-build.log" \
      || die "cannot build the xdpw shim: $(cat "$DIR/logs/shim-build.log")"
  fi
  [[ "$STACK_USER" == "$(id -un)" ]] || chown -R "$STACK_USER:" "$DIR"
}

# ---- start / stop --------------------------------------------------------------

start_stack() {
  check_components
  ensure_user
  OUTPUTS="${SWAY_STACK_OUTPUTS:-1280x720}"
  NESTED="${SWAY_STACK_NESTED:-0}"
  OUTPUT_PREFIX=HEADLESS; [[ "$NESTED" == 1 ]] && OUTPUT_PREFIX=WL
  OUTER_WAYLAND="" OUTER_SOCK=""
  local spec n=0
  for spec in $OUTPUTS; do
    [[ "$spec" =~ ^[0-9]+x[0-9]+(@[0-9.]+)?$ ]] || die "bad output '$spec' in SWAY_STACK_OUTPUTS (WxH or WxH@scale)"
    n=$((n + 1))
  done
  ((n >= 1)) || die "SWAY_STACK_OUTPUTS names no output"

  DIR="${1:-$(mktemp -d /tmp/pixelpass-sway-stack.XXXXXX)}"
  mkdir -p "$DIR"
  write_files
  local t0; t0=$(date +%s%N)

  spawn "$STACK_USER" dbus-daemon "" dbus-daemon --nofork --config-file="$DIR/bus.conf"
  wait_for "the session bus" 50 test -S "$DIR/runtime/bus"

  spawn "$STACK_USER" pipewire "${SWAY_STACK_PIPEWIRE_DEBUG:+PIPEWIRE_DEBUG='$SWAY_STACK_PIPEWIRE_DEBUG'}" pipewire
  wait_for "PipeWire" 50 test -S "$DIR/runtime/pipewire-0"
  spawn "$STACK_USER" wireplumber "" wireplumber
  wait_for "WirePlumber" 100 as "$STACK_USER" bash -c ". '$DIR/env.sh'; pw-cli ls Client | grep -q '\"WirePlumber\"'"

  if [[ "$NESTED" == 1 ]]; then
    spawn "$STACK_USER" sway-outer "WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 WLR_HEADLESS_OUTPUTS=1" \
      sway --config "$DIR/config/outer/config"
    wait_for "the outer sway's IPC socket" 100 test -S "$(ipc_socket "$(pid_of sway-outer)")"
    OUTER_SOCK="$(ipc_socket "$(pid_of sway-outer)")"
    wait_for "the outer sway's Wayland socket" 50 bash -c "ls '$DIR/runtime' | grep -v '\.lock$' | grep -q '^wayland-[0-9]'"
    OUTER_WAYLAND="$(wayland_sockets | head -1)"
  fi
  local backend="WLR_BACKENDS=headless WLR_HEADLESS_OUTPUTS=$n"
  [[ "$NESTED" == 1 ]] && backend="WLR_BACKENDS=wayland WLR_WL_OUTPUTS=$n WAYLAND_DISPLAY=$OUTER_WAYLAND"
  spawn "$STACK_USER" sway "$backend WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1" \
    sway --config "$DIR/config/sway/config"
  wait_for "sway's IPC socket" 100 test -S "$(ipc_socket "$(pid_of sway)")"
  SWAYSOCK="$(ipc_socket "$(pid_of sway)")"
  wait_for "sway's Wayland socket" 50 bash -c "[[ \$(ls '$DIR/runtime' | grep -v '\.lock$' | grep -c '^wayland-[0-9]') -ge $((NESTED + 1)) ]]"
  WAYLAND_NAME="$(wayland_sockets | grep -vx "${OUTER_WAYLAND:-none}" | head -1)"
  wait_for "sway's $n output(s)" 50 bash -c "[[ \$(SWAYSOCK='$SWAYSOCK' swaymsg -t get_outputs -r | grep -c '\"name\": \"$OUTPUT_PREFIX-') == $n ]]"
  if [[ "$NESTED" == 1 ]]; then
    # Each inner output is a window of the outer sway: give it the output's size
    # and lay them out left to right (the inner output takes its window's size).
    local i=1 x=0
    for spec in $OUTPUTS; do
      size="${spec%@*}"
      place_nested_output "WL-$i" "${size%x*}" "${size#*x}" "$x"
      x=$((x + ${size%x*})); i=$((i + 1))
    done
  fi

  echo "$WAYLAND_NAME" >"$DIR/wayland-display"
  local preload=""
  [[ "${SWAY_STACK_SHIM:-1}" == 1 ]] && preload="LD_PRELOAD='$DIR/xdpw-dmabuf-shim.so'"
  local persist="${SWAY_STACK_PERSIST:-permanent}"
  spawn "$STACK_USER" xdpw "WAYLAND_DISPLAY=$WAYLAND_NAME XDG_CURRENT_DESKTOP=sway XDPW_PERSIST_MODE=$persist $preload ${SWAY_STACK_PIPEWIRE_DEBUG:+PIPEWIRE_DEBUG='$SWAY_STACK_PIPEWIRE_DEBUG'}" \
    "$XDPW_BIN" --loglevel="${SWAY_STACK_XDPW_LOG:-INFO}" --replace
  wait_for "xdg-desktop-portal-wlr" 100 bus_has "$XDPW_BUS_NAME"

  # Restore tokens live in the permission store: start it ourselves (no activation).
  spawn "$FRONTEND_USER" permission-store "" "$PERMISSION_STORE_BIN" --replace
  wait_for "xdg-permission-store" 100 bus_has org.freedesktop.impl.portal.PermissionStore
  spawn "$FRONTEND_USER" xdg-desktop-portal "XDG_CURRENT_DESKTOP=sway XDG_DESKTOP_PORTAL_DIR='$DIR/portals'" \
    "$PORTAL_BIN" --replace --verbose
  wait_for "xdg-desktop-portal" 100 bus_has org.freedesktop.portal.Desktop

  if [[ -n "${SWAY_STACK_OWNER_PID:-}" ]]; then
    # Nothing outlives its owner, even when the owner is killed hard.
    (
      trap '' HUP INT
      while kill -0 "$SWAY_STACK_OWNER_PID" 2>/dev/null && [[ -d "$DIR" ]]; do sleep 1; done
      [[ -d "$DIR" ]] && stop_stack "$DIR"
    ) >/dev/null 2>&1 </dev/null &
    echo "$! watchdog" >>"$DIR/watchdog"
    disown
  fi

  echo "# sway-stack: up in $(( ($(date +%s%N) - t0) / 1000000 )) ms ($n output(s): $OUTPUTS; compositor user $STACK_USER, portal frontend $FRONTEND_USER)" >&2
  cat <<EOF
export SWAY_STACK='$DIR'
export SWAY_STACK_USER='$STACK_USER'
export XDG_RUNTIME_DIR='$DIR/runtime'
export PIPEWIRE_RUNTIME_DIR='$DIR/runtime'
export DBUS_SESSION_BUS_ADDRESS='unix:path=$DIR/runtime/bus'
export XDG_STATE_HOME='$DIR/state'
export WAYLAND_DISPLAY='$WAYLAND_NAME'
export SWAYSOCK='$SWAYSOCK'
export XDG_CURRENT_DESKTOP='sway'
export XDG_DESKTOP_PORTAL_DIR='$DIR/portals'
EOF
  [[ "$NESTED" == 1 ]] && echo "export SWAY_STACK_OUTER_SOCK='$OUTER_SOCK'"
  return 0
}

stop_stack() {
  local dir="$1"
  [[ -f "$dir/pids" ]] || { rm -rf "$dir"; return 0; }
  # Reverse start order: windows and the frontend first, the bus last. Each was
  # started in its own session, so its process group takes its children along
  # (sway's swaybg, xdpw's chooser).
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

# ---- client windows ------------------------------------------------------------

open_window() {  # open_window DIR OUTPUT SPEC [WxH]
  load_stack "$1"; local output="$2" spec="$3" size="${4:-}"
  if [[ -z "$size" ]]; then
    # The output's logical size: a lone tiled window fills it.
    size="$(swaymsg_ -t get_outputs -r | node -e '
const o = JSON.parse(require("fs").readFileSync(0, "utf8")).find((o) => o.name === process.argv[1]);
if (!o) process.exit(1);
console.log(`${o.rect.width}x${o.rect.height}`);' "$output")" || die "no output $output"
  fi
  local src
  if [[ "$spec" =~ ^#([0-9a-fA-F]{6})$ ]]; then
    src="videotestsrc is-live=true pattern=solid-color foreground-color=0xff${BASH_REMATCH[1]}"
  elif [[ "$spec" =~ ^[a-z0-9-]+$ ]]; then
    src="videotestsrc is-live=true pattern=$spec"
  else
    die "window SPEC is #rrggbb or a videotestsrc pattern name, not '$spec'"
  fi
  local name="window-$(date +%s%N)"
  swaymsg_ focus output "$output" >/dev/null || die "no output $output"
  # shellcheck disable=SC2086
  spawn "$STACK_USER" "$name" "WAYLAND_DISPLAY=$WAYLAND_NAME" gst-launch-1.0 -q $src \
    ! "video/x-raw,width=${size%x*},height=${size#*x},framerate=30/1" ! waylandsink
  local pid; pid="$(pid_of "$name")"
  local tries
  for ((tries = 0; ; tries++)); do
    swaymsg_ -t get_tree -r | grep -q "\"pid\": $pid," && break
    kill -0 "$pid" 2>/dev/null || die "the window $name (pid $pid) quit: $(tail -n 5 "$DIR/logs/$name.log")"
    ((tries < 100)) || die "the window $name (pid $pid) did not appear in 10 s"
    sleep 0.1
  done
  swaymsg_ "[pid=$pid] move container to output $output" >/dev/null
  echo "$pid"
}

unplug_output() {  # unplug_output DIR OUTPUT
  load_stack "$1"; local output="$2"
  [[ -n "$OUTER_SOCK" ]] || die "only a nested stack (SWAY_STACK_NESTED=1) can remove an output: sway 1.7 has no 'output … unplug' and cannot disable a headless output"
  SWAYSOCK="$OUTER_SOCK" swaymsg "[title=\"^wlroots - $output\$\"] kill" >/dev/null || die "no output $output"
  local tries
  for ((tries = 0; tries < 50; tries++)); do
    swaymsg_ -t get_outputs -r | grep -q "\"name\": \"$output\"" || return 0
    sleep 0.1
  done
  die "output $output is still there"
}

create_output() {  # create_output DIR WxH: adds an output, prints its name
  load_stack "$1"; local size="$2"
  local before; before="$(swaymsg_ -t get_outputs -r | grep -o '"name": "[^"]*"' | sort)"
  swaymsg_ create_output >/dev/null
  local name="" tries
  for ((tries = 0; tries < 50; tries++)); do
    name="$(comm -13 <(echo "$before") <(swaymsg_ -t get_outputs -r | grep -o '"name": "[^"]*"' | sort) | sed 's/.*: "\(.*\)"/\1/' | head -1)"
    [[ -n "$name" ]] && break
    sleep 0.1
  done
  [[ -n "$name" ]] || die "create_output made no output"
  if [[ -n "$OUTER_SOCK" ]]; then
    # Right of the rightmost output.
    local x; x="$(swaymsg_ -t get_outputs -r | node -e '
const os = JSON.parse(require("fs").readFileSync(0, "utf8")).filter((o) => o.name !== process.argv[1]);
console.log(Math.max(0, ...os.map((o) => o.rect.x + (o.current_mode ? o.current_mode.width : o.rect.width))));' "$name")"
    place_nested_output "$name" "${size%x*}" "${size#*x}" "$x"
  else
    swaymsg_ output "$name" resolution "$size" >/dev/null
  fi
  swaymsg_ output "$name" bg '#000000' solid_color >/dev/null
  echo "$name"
}

cmd="${1:-}"
case "$cmd" in
  start) shift; start_stack "$@" ;;
  stop)
    [[ -n "${2:-}" ]] || die "usage: $0 stop DIR"
    [[ -f "$2/pids" || ! -e "$2" ]] || die "$2 is not a sway stack directory"
    stop_stack "$2"
    ;;
  unplug) [[ $# -ge 3 ]] || die "usage: $0 unplug DIR OUTPUT"; unplug_output "$2" "$3" ;;
  create-output) [[ $# -ge 3 ]] || die "usage: $0 create-output DIR WxH"; create_output "$2" "$3" ;;
  window) [[ $# -ge 4 ]] || die "usage: $0 window DIR OUTPUT SPEC [WxH]"; open_window "$2" "$3" "$4" "${5:-}" ;;
  run)
    env_lines="$(start_stack)"
    DIR="$(sed -n "s/^export SWAY_STACK='\(.*\)'$/\1/p" <<<"$env_lines")"
    trap 'stop_stack "$DIR"; exit 0' INT TERM
    echo "$env_lines"
    echo "# sway stack running; Ctrl-C stops it" >&2
    while :; do sleep 3600 & wait $!; done
    ;;
  *) die "usage: $0 start [DIR] | stop DIR | window DIR OUTPUT SPEC [WxH] | create-output DIR WxH | unplug DIR OUTPUT | run" ;;
esac
