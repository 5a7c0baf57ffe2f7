# faults.mk -- `make check-faults`: the fault scenarios of tests/faults/
# (kill -9, SIGTERM, Redis restart, a frozen daemon, three daemons and a
# shared rate, a provider outage, poison jobs), each against a real
# redis-server, real daemons and the mock provider, each ending with a
# ledger check.  Included by the top Makefile; $(B) is its build dir.

.PHONY: check-faults

check-faults: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(CURDIR)/$(B) sh tests/faults/run.sh
