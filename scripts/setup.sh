#!/usr/bin/env bash
# Installs what pixelpass needs on a fresh machine that has Node.js >= 20 and npm:
# the system packages (GStreamer, players, test servers), pnpm, the workspace, and a build.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js >= 20 is required (found: $(node -v 2>/dev/null || echo none))"; exit 1
fi

mapfile -t packages < <(grep -v '^\s*#' scripts/system-packages.txt | grep -v '^\s*$')

install_system_packages() {
  if command -v apt-get >/dev/null 2>&1; then
    missing=()
    for p in "${packages[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && { say "system packages: all present"; return; }
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
        say "need root to install: ${missing[*]}"
        say "run as root, or install them yourself: apt-get install ${missing[*]}"; exit 1
      fi
    fi
    say "installing ${#missing[@]} system packages with apt-get"
    "${sudo[@]}" apt-get update -qq
    # A package that brings a service must not start it (nginx, for the publish tests, would listen
    # on port 80 of every interface and outlive the tests): policy-rc.d exit 101 = "not allowed".
    local policy=/usr/sbin/policy-rc.d made_policy='' status=0
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod 755 "$policy" && made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
    if [ -n "$made_policy" ]; then "${sudo[@]}" rm -f "$policy"; fi
    [ "$status" -eq 0 ] || { say "apt-get install failed ($status)"; exit "$status"; }
  elif command -v pacman >/dev/null 2>&1 || command -v dnf >/dev/null 2>&1; then
    say "not a Debian/Ubuntu system: install the packages listed in README.md (Arch / Fedora section), then run this again with SKIP_SYSTEM_PACKAGES=1"
    [ "${SKIP_SYSTEM_PACKAGES:-}" = 1 ] || exit 1
  else
    say "no supported package manager found (apt-get, pacman, dnf); install the README's requirements yourself and set SKIP_SYSTEM_PACKAGES=1"
    [ "${SKIP_SYSTEM_PACKAGES:-}" = 1 ] || exit 1
  fi
}

[ "${SKIP_SYSTEM_PACKAGES:-}" = 1 ] || install_system_packages

# The pinned pnpm, installed by npm into .tools/ and called by path (scripts/pnpm):
# a global pnpm, corepack or a corepack shim on PATH changes nothing.
pnpm=(bash scripts/pnpm)
# usocket (the portal's PipeWire descriptor over D-Bus) is a native module built by
# node-gyp; with Node's own headers at hand it builds offline, where downloading
# them can fail. It is optional: without it Wayland capture connects to PipeWire directly.
node_prefix=$(dirname "$(dirname "$(node -p process.execPath)")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi
say "installing the workspace"
CI=true TURBO_TELEMETRY_DISABLED=1 "${pnpm[@]}" install --frozen-lockfile --reporter=silent
say "building"
TURBO_TELEMETRY_DISABLED=1 "${pnpm[@]}" exec turbo run build --output-logs=errors-only >/dev/null

# `pixelpass` from this clone: the launcher at the repository root, linked into
# ~/.local/bin (on PATH in a new login shell on Debian/Ubuntu when it exists).
launcher="$PWD/pixelpass"
bin_dir="${PIXELPASS_BIN_DIR:-$HOME/.local/bin}"
link="$bin_dir/pixelpass"
if [ -L "$link" ] && [ "$(readlink "$link")" = "$launcher" ]; then
  :
elif [ -e "$link" ] || [ -L "$link" ]; then
  say "not linking $link: something else is there already; run $launcher instead"
elif mkdir -p "$bin_dir" 2>/dev/null && ln -s "$launcher" "$link" 2>/dev/null; then
  say "linked $link -> $launcher"
else
  say "could not link $link; run $launcher instead"
fi
case ":$PATH:" in
  *":$bin_dir:"*) say "ready: run pixelpass (or $launcher)" ;;
  *) say "ready: run $launcher (or add $bin_dir to PATH to run pixelpass)" ;;
esac
