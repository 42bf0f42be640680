#!/usr/bin/env bash
# The test command (README Quick start and .ci/run): installs what is missing, then runs
# every suite against a real PostgreSQL, Temporal dev server and SES emulator.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec npx vitest run "$@"
