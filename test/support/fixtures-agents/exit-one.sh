#!/bin/sh
# Fake agent that gives up: an error event, a line on stderr, exit 1.
echo '{"type":"message","text":"trying"}'
echo '{"type":"error","message":"model refused the task"}'
echo "fatal: cannot continue" >&2
exit 1
