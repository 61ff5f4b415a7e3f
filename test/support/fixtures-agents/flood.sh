#!/bin/sh
# Fake agent that floods stdout with ~100 MB (long lines, then short noise) and then succeeds.
head -c 60000000 /dev/zero | tr '\0' 'x'
echo
yes 'noise noise noise noise' | head -c 40000000
echo
echo '{"type":"result","success":true,"text":"flooded"}'
