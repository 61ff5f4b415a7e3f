#!/usr/bin/env bash
# Generates the Prisma client offline: Prisma's CLI wants a native schema engine it cannot download
# here; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips that download, and `generate`
# does not need the engine at all.
set -euo pipefail
cd "$(dirname "$0")/.."
stub="${PRISMA_SCHEMA_ENGINE_BINARY:-}"
if [ -z "$stub" ] || [ ! -e "$stub" ]; then
  stub="$(pwd)/node_modules/.bin/prisma"
fi
PRISMA_SCHEMA_ENGINE_BINARY="$stub" PRISMA_HIDE_UPDATE_MESSAGE=1 npx --no-install prisma generate >/dev/null
node scripts/patch-prisma-client.mjs
echo "prisma client generated in src/generated/prisma"
