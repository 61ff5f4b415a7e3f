#!/bin/sh
# Installs the agent CLIs named in $AGENT_CLIS ("claude-code codex gemini aider" or "all") at the pinned versions
# into $AGENT_CLIS_PREFIX (default /usr/local; bin/ gets claude, codex, gemini, aider). Used by the Dockerfile; safe to run with AGENT_CLIS="".
set -eu
prefix="${AGENT_CLIS_PREFIX:-/usr/local}"
AGENT_CLIS="${AGENT_CLIS:-}"
: "${CLAUDE_CODE_VERSION:?}" "${CODEX_VERSION:?}" "${GEMINI_CLI_VERSION:?}" "${AIDER_VERSION:?}"
[ "$AGENT_CLIS" = "all" ] && AGENT_CLIS="claude-code codex gemini aider"
npm_pkgs=""
aider=""
for cli in $AGENT_CLIS; do
  case "$cli" in
    claude-code) npm_pkgs="$npm_pkgs @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" ;;
    codex) npm_pkgs="$npm_pkgs @openai/codex@$CODEX_VERSION" ;;
    gemini) npm_pkgs="$npm_pkgs @google/gemini-cli@$GEMINI_CLI_VERSION" ;;
    aider) aider="aider-chat==$AIDER_VERSION" ;;
    *) echo "install-agent-clis: unknown CLI '$cli' (expected claude-code, codex, gemini, aider or all)" >&2; exit 2 ;;
  esac
done
if [ -n "$npm_pkgs" ]; then
  # shellcheck disable=SC2086 # one word per package
  npm install --global --prefix "$prefix" --no-fund --no-audit $npm_pkgs
  npm cache clean --force >/dev/null 2>&1 || true
fi
if [ -n "$aider" ]; then
  if ! command -v pipx >/dev/null 2>&1; then
    apt-get update && apt-get install -y --no-install-recommends pipx python3-venv && rm -rf /var/lib/apt/lists/*
  fi
  PIPX_HOME="$prefix/lib/pipx" PIPX_BIN_DIR="$prefix/bin" pipx install "$aider"
fi
echo "install-agent-clis: ${AGENT_CLIS:-none} -> $prefix/bin"
