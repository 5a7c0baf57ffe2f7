# bench.mk -- `make bench`: Loa's benchmark (tests/bench/bench.sh).
# Not part of `make check` nor of CI: it prints figures, it asserts
# nothing.  Short run: BENCH_QUICK=1 make bench.  Parts: BENCH_PARTS=
# "throughput ceiling urgent rate faults urgent_lowrate" (the default: about
# 8 minutes on 2 cores, keep it under 15); the knobs are listed at the top
# of bench.sh.  See tests/bench/NOTES.md.

.PHONY: bench bench-deps

bench: deps all bench-deps
	@BUILD=$(CURDIR)/$(B) sh tests/bench/bench.sh

# wrk measures the mock's own ceiling.  As root it is installed when
# missing; otherwise the command is printed and the ceiling is skipped.
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
	    if [ "$$(id -u)" -eq 0 ]; then \
		echo "bench: installing wrk"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends wrk >/dev/null; \
	    else \
		echo "bench: wrk is missing; run: sudo apt-get install -y wrk" \
		    "(the mock's ceiling is skipped)" >&2; \
	    fi; }
