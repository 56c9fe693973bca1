#!/usr/bin/env bash
# The full soak: a host with two viewers for 10 minutes (CI runs the same test
# for 60 s). Prints the host's RSS at start and end and its byte accounting.
#   scripts/soak.sh [seconds]        default 600
set -euo pipefail
cd "$(dirname "$0")/.."
export PIXELPASS_SOAK_SECONDS="${1:-600}"
npx turbo run build >/dev/null
exec npx vitest run --config e2e/vitest.config.ts e2e/soak.test.ts
