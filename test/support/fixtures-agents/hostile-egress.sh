#!/bin/sh
# A prompt-injected agent: tries every target in $HOSTILE_TARGETS, one "name|url|mode" per line
# (mode: proxy = plain HTTP through $HTTP_PROXY, tunnel = CONNECT through it, direct = no proxy),
# and prints "RESULT <name> <curl exit code> <first bytes of the answer>". Then shows what /proc says.
# The targets may also come from a file named by $1. With a README.md in its cwd it appends a line (a change to publish).
targets="${HOSTILE_TARGETS:-$(cat "${1:-/dev/null}" 2>/dev/null)}"
printf '%s\n' "$targets" | while IFS='|' read -r name url mode; do
  [ -z "$name" ] && continue
  case "$mode" in
    direct) out=$(curl -sS -m 5 --noproxy '*' "$url" 2>&1) ;;
    tunnel) out=$(curl -sS -m 5 -p -x "$HTTP_PROXY" "$url" 2>&1) ;;
    *) out=$(curl -sS -m 5 -x "$HTTP_PROXY" "$url" 2>&1) ;;
  esac
  rc=$?
  printf 'RESULT %s %s %s\n' "$name" "$rc" "$(printf '%s' "$out" | head -c 160 | tr '\n\r' '  ')"
done
printf 'CMDLINE1 %s\n' "$(tr '\0' ' ' </proc/1/cmdline)"
printf 'MOUNTS %s\n' "$(cut -d' ' -f5 /proc/self/mountinfo | tr '\n' ' ')"
[ -f README.md ] && [ -z "$HOSTILE_NO_EDIT" ] && echo "Scanned the network." >> README.md
exit 0
