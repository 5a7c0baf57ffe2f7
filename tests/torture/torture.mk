# torture.mk -- `make check-torture`: the seeded randomized scenarios of
# tests/torture/ (random worlds of providers, rates, jobs, mock failures
# and daemon kills, freezes, reloads and pauses, each ending with ledger,
# duplicate, liveness and rate checks).  The seeds of tests/torture/corpus
# and TORTURE_RUNS (default 3) new ones; TORTURE_SEED=N replays one.
# Included by the top Makefile; $(B) is its build dir.

.PHONY: check-torture

check-torture: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(CURDIR)/$(B) TORTURE_SEED="$(TORTURE_SEED)" \
	    TORTURE_RUNS="$(TORTURE_RUNS)" sh tests/torture/run.sh
