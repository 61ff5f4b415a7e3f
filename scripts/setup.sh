#!/usr/bin/env bash
# One-time set-up on a fresh machine: dependencies, generated Prisma client, build, and the
# system tools Moderator uses when they can be installed (bubblewrap for the sandbox, socat for its network forwarder, git, redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need[*]} with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "note: please install ${need[*]} (Moderator runs without bubblewrap only with sandbox: none, and needs Redis)" >&2
  fi
fi

# npm install (not ci): some optional platform packages are missing from registry mirrors; the lock pins versions.
npm install --no-fund --no-audit
npm run build
echo "set-up done: run 'npm start' (Moderator) or 'npm test' (the tests)"
