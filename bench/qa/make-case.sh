#!/usr/bin/env bash
# Adds a case to the QA bench corpus from two folders holding the files before and after a change:
#   bench/qa/make-case.sh NAME BEFORE_DIR AFTER_DIR "one-line description" [language ...]
# It commits BEFORE_DIR in a throw-away git repository, applies AFTER_DIR on top, and stores
# `git diff` as bench/qa/corpus/NAME/change.diff. It writes case.json with an empty "expected" list and
# prints the added lines with their line numbers: label every finding a reviewer should get, then run the bench.
# Write fake credentials as ⟪fake|prefix|length|alphabet⟫ (alphabets: alnum letters hex upperdigits b64 b64url).
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 NAME BEFORE_DIR AFTER_DIR DESCRIPTION [LANGUAGE ...]" >&2
  exit 2
fi
name="$1"; before="$(cd "$2" && pwd)"; after="$(cd "$3" && pwd)"; description="$4"; shift 4
languages=("$@"); [ ${#languages[@]} -gt 0 ] || languages=(unknown)
if ! [[ "$name" =~ ^[a-z0-9][a-z0-9-]*$ ]]; then
  echo "NAME must be lower-case letters, digits and dashes, got '$name'" >&2
  exit 2
fi
out="$(cd "$(dirname "$0")" && pwd)/corpus/$name"
if [ -e "$out" ]; then
  echo "$out already exists" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$work" init -q
git -C "$work" -c user.email=bench@example.com -c user.name=bench commit -q --allow-empty -m empty
cp -a "$before/." "$work/"
git -C "$work" add -A
git -C "$work" -c user.email=bench@example.com -c user.name=bench commit -q --allow-empty -m before
find "$work" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
cp -a "$after/." "$work/"
git -C "$work" add -A
mkdir -p "$out"
git -C "$work" -c core.quotePath=false diff --cached -M --no-color --no-ext-diff > "$out/change.diff"
json_list() { local first=1; printf '['; for item in "$@"; do [ $first -eq 1 ] || printf ', '; first=0; printf '"%s"' "${item//\"/\\\"}"; done; printf ']'; }
printf '{\n  "description": "%s",\n  "languages": %s,\n  "expected": []\n}\n' "${description//\"/\\\"}" "$(json_list "${languages[@]}")" > "$out/case.json"
echo "wrote $out/change.diff and $out/case.json; added lines:"
awk '/^\+\+\+ /{ file=substr($2, 3); next } /^@@ /{ split($3, a, ","); line=substr(a[1], 2); next }
     /^\+/{ printf "  %s:%d %s\n", file, line, substr($0, 2); line++; next } /^ /{ line++ }' "$out/change.diff"
