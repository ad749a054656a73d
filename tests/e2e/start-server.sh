#!/usr/bin/env bash
# Starts the production server for the end-to-end tests on a fresh data directory, and removes
# that directory when the server stops. E2E_DATABASE_URL, when set, is used instead of the
# embedded PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -f build/server/index.js ] || [ ! -f build/node/main.js ]; then
  echo "No production build: run 'npm run build' before 'npx playwright test'." >&2
  exit 1
fi

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/dealroom-e2e.XXXXXX")"
# The embedded PostgreSQL runs as the postgres user when we are root: it must reach the directory.
chmod 755 "$data_dir"

export DATA_DIR="$data_dir"
export PORT="${PORT:-${E2E_PORT:-4173}}"
export HOST=127.0.0.1
export LOG_LEVEL=warn
export NODE_ENV=production
# The fixtures set tests up through the API as many different clients (X-Forwarded-For via loopback).
export TRUST_PROXY=loopback
if [ -n "${E2E_DATABASE_URL:-}" ]; then
  export DATABASE_URL="$E2E_DATABASE_URL"
else
  unset DATABASE_URL
fi

# The compiled server, as `npm start` runs it (docs/decisions/002-tsx-at-runtime.md).
node --max-semi-space-size=4 build/node/main.js &
server=$!
stop() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data_dir"
}
trap stop TERM INT EXIT
wait "$server"
