# fuzz.mk -- libFuzzer targets for every parser of outside input
# (included by the top Makefile; everything lives in tests/fuzz/).
#
#   make fuzz                        each target for FUZZ_SECONDS (60) in turn
#   make fuzz FUZZ_SECONDS=5         a quick pass
#   make fuzz FUZZ_SECONDS=0         only replay the seed corpora
#   make fuzz FUZZ_TARGETS="job csv" some targets (names: fuzz_NAME.c)
#   make -j2 fuzz                    two targets at a time
#   make fuzz-build                  build them only
#
# Targets are built with clang -fsanitize=fuzzer,address,undefined into
# $(B)/fuzz/ and run on tests/fuzz/corpus/NAME (read only: what they find
# goes to $(B)/fuzz/corpus/NAME).  A crash, a leak, undefined behaviour, a
# hang (FUZZ_TIMEOUT seconds on one input) or a broken promise (see
# fuzz.h) fails the run; the input is kept as $(B)/fuzz/crash-NAME-*,
# the output as $(B)/fuzz/NAME.log.  Needs clang, libfuzzer-14-dev and
# libclang-rt-14-dev: installed when missing as root, else named.

FUZZ_SECONDS	?= 60
FUZZ_TIMEOUT	?= 25
FUZZ_CC		?= clang
FZ		 = $(B)/fuzz
# Every fuzz_NAME.c is target NAME; the file of a plugin with report() is
# also target report_PLUGIN, of one with inbound() inbound_PLUGIN (every
# such plugin must have a fuzz_plugin_PLUGIN.c).
FUZZ_REPORTS	:= $(shell grep -l 'struct loa_report \*reps' plugins/*.c)
FUZZ_INBOUNDS	:= $(shell grep -l 'struct loa_inbound \*ins' plugins/*.c)
FUZZ_ALL	 = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)) \
		   $(patsubst plugins/%.c,report_%,$(FUZZ_REPORTS)) \
		   $(patsubst plugins/%.c,inbound_%,$(FUZZ_INBOUNDS))
FUZZ_TARGETS	?= $(FUZZ_ALL)
FUZZ_PKGS	 = clang libfuzzer-14-dev libclang-rt-14-dev
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
# Warnings are shown, never errors (clang warns of other things than gcc).
# The CSV reader gets a small record limit and block size, so that fuzzed
# inputs reach the limit and cross block boundaries.
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(filter-out -Werror,$(WARN)) -g -O1 \
		   $(FUZZ_SAN) -DLOA_CSV_MAX_RECORD=256 -DCSV_BLOCK=7 \
		   -Iinclude -Idaemon -Iplugins -Itests/fuzz -Itests/unit \
		   $(PKG_CFLAGS) -DLOA_PLUGIN_DIR='"$(PLUGINDIR)"'
FUZZ_HDRS	 = tests/fuzz/fuzz.h daemon/loa.h daemon/text.h daemon/csv.h \
		   daemon/httpserv.h daemon/store.h \
		   include/loa/provider.h
FUZZ_LIBS	 = $(PKG_LIBS) $(CRYPTO_LIBS) -lunistring -ldl

.PHONY: fuzz fuzz-build fuzz-deps

fuzz: fuzz-build
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(FZ)/fuzz_%)

# Like tests/deps.sh, for the fuzzing packages.
fuzz-deps:
	@missing=""; for p in $(FUZZ_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q "install ok installed" || missing="$$missing $$p"; done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" -ne 0 ]; then \
	    echo "make fuzz needs these Debian packages:$$missing" >&2; \
	    echo "run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; \
	    exit 1; fi; \
	echo "fuzz: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null && \
	apt-get install -y -q --no-install-recommends $$missing >/dev/null

$(FZ)/obj/%.o: daemon/%.c $(FUZZ_HDRS) daemon/engine.h daemon/state.h \
	  daemon/policy.h daemon/ctl.h
	@mkdir -p $(FZ)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# The store's scripts, embedded as for the daemon (store.o and ctl-import.o
# refer to them).
$(FZ)/obj/gen-lua.o: $(B)/gen/lua.c daemon/store.h
	@mkdir -p $(FZ)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FZ)/libloafuzz.a: $(CORE:%=$(FZ)/obj/%.o) $(FZ)/obj/gen-lua.o
	rm -f $@
	ar rcs $@ $^

# A plugin's targets include its source (no dlopen, as in its unit test).
FUZZ_PLUGIN_DEPS = tests/fuzz/fuzz_plugin.h tests/fuzz/fuzz_zalo.h \
		   tests/unit/plugin_host.h tests/unit/tap.h \
		   $(wildcard plugins/*.h) $(FUZZ_HDRS)

$(FZ)/fuzz_plugin_%: tests/fuzz/fuzz_plugin_%.c plugins/%.c $(FUZZ_PLUGIN_DEPS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS)

$(FZ)/fuzz_report_%: tests/fuzz/fuzz_plugin_%.c plugins/%.c $(FUZZ_PLUGIN_DEPS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFZ_REPORT -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_LIBS)

$(FZ)/fuzz_inbound_%: tests/fuzz/fuzz_plugin_%.c plugins/%.c $(FUZZ_PLUGIN_DEPS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFZ_INBOUND -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_LIBS)

# loactl import, with a fake of the hiredis calls it makes.
$(FZ)/fuzz_import: tests/fuzz/fuzz_import.c $(FZ)/obj/ctl-import.o \
	  $(FZ)/libloafuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FZ)/obj/ctl-import.o $(FZ)/libloafuzz.a $(FUZZ_LIBS)

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FZ)/libloafuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FZ)/libloafuzz.a $(FUZZ_LIBS)

# One target: its seeds and what earlier runs found, for FUZZ_SECONDS
# (0: each seed once).  Prints one line; on failure the end of the log.
fuzz-run-%: $(FZ)/fuzz_%
	@mkdir -p $(FZ)/corpus/$*
	@dict=tests/fuzz/$(if $(filter plugin_% report_% inbound_%,$*),plugin,$*).dict; \
	[ -f $$dict ] && dict=-dict=$$dict || dict=; \
	if [ "$(FUZZ_SECONDS)" = 0 ]; then run=-runs=0; \
	else run=-max_total_time=$(FUZZ_SECONDS); fi; \
	start=$$(date +%s); \
	if $(FZ)/fuzz_$* $$run $$dict -timeout=$(FUZZ_TIMEOUT) \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FZ)/crash-$*- \
	    $(FZ)/corpus/$* tests/fuzz/corpus/$* >$(FZ)/$*.log 2>&1; then \
		echo "fuzz $*: ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    $(FZ)/$*.log) runs in $$(( $$(date +%s) - start )) s"; \
	else \
		tail -40 $(FZ)/$*.log; \
		echo "fuzz $*: FAILED (log $(FZ)/$*.log; input $(FZ)/crash-$*-*)"; \
		exit 1; \
	fi
