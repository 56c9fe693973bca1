#!/usr/bin/env bash
# One command: set up everything, then run the unit and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
TURBO_TELEMETRY_DISABLED=1 exec bash scripts/pnpm test "$@"
