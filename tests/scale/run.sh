#!/bin/sh
# run.sh -- the scale tests (s_*.sh): broadcasts too long for a normal
# make check (a 1,000,000-resident one takes 2 to 3 minutes on 2 cores),
# run by make check-scale and by CI, with the integration tests' lib.sh
# and runner.
dir=$(dirname "$0")
SUITE_DIR=$dir SUITE=scale SUITE_GLOB=s_ exec sh "$dir/../integration/run.sh" "$@"
