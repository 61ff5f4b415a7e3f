#!/bin/sh
# Fake agent that never finishes (and leaves a child behind), for timeouts and cancellation.
echo '{"type":"message","text":"thinking"}'
sleep 1003 &
wait
