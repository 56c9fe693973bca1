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
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v pacman >/dev/null 2>&1 || command -v dnf >/dev/null 2>&1; then
    say "not a Debian/Ubuntu system: install the packages listed in README.md (Arch / Fedora section), then run this again with SKIP_SYSTEM_PACKAGES=1"
    [ "${SKIP_SYSTEM_PACKAGES:-}" = 1 ] || exit 1
  else
    say "no supported package manager found (apt-get, pacman, dnf); install the README's requirements yourself and set SKIP_SYSTEM_PACKAGES=1"
    [ "${SKIP_SYSTEM_PACKAGES:-}" = 1 ] || exit 1
  fi
}

[ "${SKIP_SYSTEM_PACKAGES:-}" = 1 ] || install_system_packages

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v 2>/dev/null)" != "$pnpm_version" ]; then
  say "installing pnpm $pnpm_version"
  if ! (corepack enable >/dev/null 2>&1 && corepack prepare "pnpm@$pnpm_version" --activate >/dev/null 2>&1 && pnpm -v >/dev/null 2>&1); then
    npm install -g "pnpm@$pnpm_version" --silent >/dev/null 2>&1 || {
      say "cannot install pnpm globally; using npx"; pnpm() { npx -y "pnpm@$pnpm_version" "$@"; }; }
  fi
fi

say "installing the workspace"
CI=true pnpm install --frozen-lockfile --reporter=silent
say "building"
pnpm exec turbo run build --output-logs=errors-only >/dev/null
say "ready"
