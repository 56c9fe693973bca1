#!/usr/bin/env bash
# One command: set up everything, then host the test source and watch it on this
# machine over iroh (relays off), decoding headless; prints what arrived.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node apps/cli/dist/main.js demo "$@"
