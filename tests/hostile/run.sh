#!/bin/sh
# run.sh -- the hostile-input suite: every h_*.sh here, with the
# integration tests' runner and lib.sh (a private redis-server, real
# daemons, the mock provider on loopback).
#   sh tests/hostile/run.sh            every attack
#   sh tests/hostile/run.sh h_keys     one file
dir=$(dirname "$0")
SUITE_DIR=$dir SUITE=hostile SUITE_GLOB=h_ exec sh "$dir/../integration/run.sh" "$@"
