#!/bin/sh
# Fake agent that dies of a signal.
echo "about to crash" >&2
kill -SEGV $$
