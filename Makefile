# Loa -- notification gateway daemon.  See README.md.
#
#   make              build loa, loactl and the plugins into build/
#   make check        install missing Debian packages, build, run every test
#   make demo         a broadcast through a private Redis to the console
#   make install      PREFIX=/usr/local DESTDIR= (rebuilds when a path
#                     compiled in changes); make uninstall the same
#   make deb          build/deb/loa_<version>_<arch>.deb: dpkg-buildpackage
#                     (debian/), then lintian
#   SANITIZE=address,undefined make check     the same under sanitizers
#   make check VALGRIND=1    the same under valgrind's memcheck
#   make check-memory SANITIZE=... | VALGRIND=1   the C code's suites only
#                     (unit, integration, hostile; CI)
#   make check-store  the store's Lua scripts: luacheck (check-lua), then each
#                     alone against a private redis-server (tests/store)
#   make check-faults the fault scenarios (tests/faults)
#   make check-torture  seeded random scenarios (tests/torture; TORTURE_SEED=N)
#   make check-scale  a 1,000,000-resident broadcast (tests/scale)
#   make fuzz         every libFuzzer target for FUZZ_SECONDS (tests/fuzz)
#   make bench        the benchmark (tests/bench)
#   WERROR=1 make     warnings are errors (CI)

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
LIBDIR	?= $(PREFIX)/lib
SYSCONFDIR ?= /etc
PLUGINDIR ?= $(LIBDIR)/loa/plugins
MANDIR	?= $(PREFIX)/share/man
UNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DOCDIR	?= $(PREFIX)/share/doc/loa
DATADIR	?= $(PREFIX)/share/loa
# The console's static files ([http] www_dir's default).
WWWDIR	?= $(DATADIR)/www
# The logs the shipped config names (loa.service's LogsDirectory=loa is
# /var/log/loa: another LOGDIR is for installs that systemd does not run).
LOGDIR	?= /var/log/loa
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR	?=

CC	?= cc
PKGS	 = libcurl libevent hiredis jansson inih libsodium
CFLAGS	?= -O2 -g
WARN	 = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wwrite-strings -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
ifneq ($(SANITIZE),)
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Plugins check delivery report signatures with OpenSSL's libcrypto.
CRYPTO_LIBS := $(shell pkg-config --libs libcrypto)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) \
	     $(SANFLAGS) -Iinclude -Idaemon $(PKG_CFLAGS) \
	     -DLOA_PLUGIN_DIR='"$(PLUGINDIR)"' -DLOA_WWW_DIR='"$(WWWDIR)"'
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)
LIBS	 = $(PKG_LIBS) -lunistring -ldl -pthread

ifneq ($(SANITIZE),)
B	?= build-san
else
B	?= build
endif
CORE	 = xmalloc log buf util config redis template job render phone sms policy \
	   store submit resident plan csv httpparse escape neutral overview auth \
	   approval preview reach keyword
DAEMON	 = main engine expand deliver flow creds provider ingest ledger dlog http \
	   notify metrics httpd httpserv report inbox ack wake registry www capi kdf
CTL	 = loactl
PLUGINS	 = $(basename $(notdir $(wildcard plugins/*.c)))
UNITS	 = test_phone test_sms test_template test_job test_config test_render test_csv \
	   test_policy test_httpserv test_secret test_neutral test_store test_submit \
	   test_auth test_approval test_redis test_keyword test_inbound \
	   $(basename $(notdir $(wildcard tests/unit/test_plugin_*.c)))
MOCK	 = $(if $(wildcard tests/mock/loa-mock.c),$(B)/loa-mock)

CORE_O	 = $(CORE:%=$(B)/%.o) $(B)/gen/lua.o
# The store's Lua scripts (daemon/lua/), embedded by daemon/lua/embed.sh.
LUA	 = $(basename $(notdir $(wildcard daemon/lua/*.lua)))
LUA_SRC	 = $(wildcard daemon/lua/*.lua daemon/lua/lib/*.lua)
DAEMON_O = $(DAEMON:%=$(B)/%.o) $(B)/console_embedded.o
CTL_O	 = $(CTL:%=$(B)/%.o) \
	   $(patsubst daemon/%.c,$(B)/%.o,$(wildcard daemon/ctl-*.c))
PLUGIN_SO = $(PLUGINS:%=$(B)/plugins/%.so)
UNIT_BIN = $(UNITS:%=$(B)/tests/%)

# Sanitizer reports fail the run instead of scrolling by.
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS ?= detect_leaks=1

.PHONY: all clean check check-unit check-lua check-store check-integration \
	check-memory check-hostile check-scale demo install uninstall deb deps FORCE

all: $(B)/loa $(B)/loactl $(PLUGIN_SO) $(MOCK)

$(B)/%.o: daemon/%.c daemon/loa.h daemon/engine.h daemon/text.h daemon/policy.h daemon/state.h \
	  daemon/httpserv.h daemon/store.h daemon/plan.h daemon/auth.h \
	  daemon/preview.h daemon/capi.h daemon/reach.h include/loa/provider.h | $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The paths compiled into the binaries, one per line.  $(PATHS) is
# rewritten only when one of them differs from the last build, and the
# objects that compile them in depend on it: `make install PREFIX=/usr`
# after a plain `make` rebuilds them instead of installing a daemon that
# looks for its plugins in /usr/local/lib/loa/plugins.
BAKED	 = PLUGINDIR=$(PLUGINDIR) WWWDIR=$(WWWDIR)
PATHS	 = $(B)/paths.stamp

$(PATHS): FORCE | $(B)
	@printf '%s\n' '$(BAKED)' | cmp -s - $@ || \
	    printf '%s\n' '$(BAKED)' > $@

$(B)/config.o: $(PATHS)

$(B)/gen/lua.c: $(LUA_SRC) daemon/lua/embed.sh
	sh daemon/lua/embed.sh daemon/lua $(B)/gen $(LUA)

$(B)/gen/lua.o: $(B)/gen/lua.c daemon/store.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/console_embedded.o: plugins/console.c plugins/plugin.h include/loa/provider.h | $(B)
	$(CC) $(ALL_CFLAGS) -Dloa_provider=loa_console_embedded -c -o $@ $<

$(B)/libloacore.a: $(CORE_O)
	rm -f $@
	ar rcs $@ $^

$(B)/loa: $(DAEMON_O) $(B)/libloacore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(DAEMON_O) $(B)/libloacore.a $(LIBS)

$(B)/loactl: $(CTL_O) $(B)/libloacore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CTL_O) $(B)/libloacore.a $(LIBS)

$(B)/plugins/%.so: plugins/%.c $(wildcard plugins/*.h) include/loa/provider.h | $(B)
	@mkdir -p $(B)/plugins
	$(CC) $(ALL_CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $< \
	    $(ALL_LDFLAGS) $(PKG_LIBS) $(CRYPTO_LIBS)

# A plugin's unit test is built with the plugin's source (no dlopen);
# LOA_PLUGIN_TEST lets it set the clock a plugin reads (zalo_zns).
$(B)/tests/test_plugin_%: tests/unit/test_plugin_%.c plugins/%.c $(wildcard plugins/*.h) \
	  tests/unit/plugin_host.h tests/unit/webhook_check.h \
	  tests/unit/tap.h include/loa/provider.h
	@mkdir -p $(B)/tests
	$(CC) $(ALL_CFLAGS) -DLOA_PLUGIN_TEST -o $@ $< plugins/$*.c \
	    $(ALL_LDFLAGS) $(PKG_LIBS) $(CRYPTO_LIBS)

# The plugins' inbound() on the built .so (dlopen, as the loader does),
# fed the bodies the mock sends (tests/mock/inbound_body.h).
$(B)/tests/test_inbound: tests/unit/test_inbound.c tests/unit/tap.h \
	  tests/unit/plugin_host.h tests/mock/inbound_body.h $(PLUGIN_SO)
	@mkdir -p $(B)/tests
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PKG_LIBS) $(CRYPTO_LIBS) -ldl

# The mock provider the integration tests and the benchmark talk to.
$(B)/loa-mock: tests/mock/loa-mock.c tests/mock/inbound_body.h | $(B)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PKG_LIBS) $(CRYPTO_LIBS)

# What daemon/sms.c makes of texts, for the browser test (t_console).
$(B)/tests/smscount: tests/browser/smscount.c daemon/text.h $(B)/libloacore.a
	@mkdir -p $(B)/tests
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libloacore.a $(ALL_LDFLAGS) $(LIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/tap.h $(B)/libloacore.a
	@mkdir -p $(B)/tests
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libloacore.a $(ALL_LDFLAGS) $(LIBS)

$(B):
	@mkdir -p $(B)

# Install missing Debian packages (as root), or say which.
deps:
	@sh tests/deps.sh

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(B)/tests/smscount
	@$(MAKE) --no-print-directory check-unit check-lua check-store \
	    check-integration check-hostile

# The C code again under a memory checker (CI: SANITIZE=..., VALGRIND=1):
# unit, integration and hostile.  The store's Lua runs inside Redis,
# which neither checker touches, so check-store is not repeated.
check-memory: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(B)/tests/smscount
	@$(MAKE) --no-print-directory check-unit check-integration \
	    check-hostile

check-unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

# The store's scripts as Redis runs them: luacheck and the layout rules
# (tests/store/layout.sh), then each one alone against a private
# redis-server (tests/store).
check-lua: $(B)/gen/lua.c
	@luacheck -q --formatter plain $(B)/gen/lua/*.lua
	@echo "luacheck: $(words $(LUA)) scripts clean"
	@sh tests/store/layout.sh

check-store: check-lua
	@BUILD=$(CURDIR)/$(B) sh tests/store/run.sh

check-integration: all
	@BUILD=$(CURDIR)/$(B) sh tests/integration/run.sh

# Attacks replayed against a running daemon (tests/hostile/README).
check-hostile: all
	@BUILD=$(CURDIR)/$(B) sh tests/hostile/run.sh

# A 1,000,000-resident broadcast, bounded memory (tests/scale; CI).
check-scale: all
	@BUILD=$(CURDIR)/$(B) sh tests/scale/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(CURDIR)/$(B) sh tests/demo.sh

# What install puts, for uninstall to remove exactly that.  The config
# (SYSCONFDIR/loa/loa.conf) is installed only when absent and uninstall
# keeps it: it is the operator's.
DOCS	 = README.md $(wildcard plugins/README-*.md)
EXAMPLES = $(wildcard conf/examples/*)
MONITORING = $(wildcard conf/monitoring/*)
WARDS	 = $(wildcard conf/wards/*.csv)
COMPLETION = $(wildcard conf/loactl.bash-completion)
WWW	 = $(wildcard www/*)
INSTALLED = $(SBINDIR)/loa $(BINDIR)/loactl \
	    $(PLUGINS:%=$(PLUGINDIR)/%.so) $(PREFIX)/include/loa/provider.h \
	    $(MANDIR)/man1/loactl.1 $(MANDIR)/man5/loa.conf.5 \
	    $(MANDIR)/man8/loa.8 $(UNITDIR)/loa.service \
	    $(SYSUSERSDIR)/loa.conf $(SYSCONFDIR)/logrotate.d/loa \
	    $(addprefix $(DOCDIR)/,$(notdir $(DOCS))) \
	    $(EXAMPLES:conf/%=$(DOCDIR)/%) $(WARDS:conf/%=$(DATADIR)/%) \
	    $(MONITORING:conf/%=$(DATADIR)/%) $(WWW:www/%=$(WWWDIR)/%) \
	    $(COMPLETION:conf/loactl.bash-completion=$(COMPLETIONDIR)/loactl)
# The paths the shipped files name, rewritten for this installation.
INSTALL_SED = -e 's|/usr/local/sbin/loa|$(SBINDIR)/loa|g' \
	      -e 's|/usr/local/lib/loa/plugins|$(PLUGINDIR)|g' \
	      -e 's|/etc/loa/|$(SYSCONFDIR)/loa/|g' \
	      -e 's|/var/log/loa/|$(LOGDIR)/|g'

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(SYSCONFDIR)/loa \
	    $(DESTDIR)$(PREFIX)/include/loa
	install -m 755 $(B)/loa $(DESTDIR)$(SBINDIR)/loa
	install -m 755 $(B)/loactl $(DESTDIR)$(BINDIR)/loactl
	install -m 755 $(PLUGIN_SO) $(DESTDIR)$(PLUGINDIR)/
	install -m 644 include/loa/provider.h \
	    $(DESTDIR)$(PREFIX)/include/loa/provider.h
	if ! [ -e $(DESTDIR)$(SYSCONFDIR)/loa/loa.conf ]; then \
	    sed $(INSTALL_SED) conf/loa.conf \
		> $(DESTDIR)$(SYSCONFDIR)/loa/loa.conf.tmp && \
	    chmod 640 $(DESTDIR)$(SYSCONFDIR)/loa/loa.conf.tmp && \
	    mv $(DESTDIR)$(SYSCONFDIR)/loa/loa.conf.tmp \
		$(DESTDIR)$(SYSCONFDIR)/loa/loa.conf; \
	fi
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/logrotate.d \
	    $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DATADIR)/monitoring \
	    $(DESTDIR)$(DATADIR)/wards $(DESTDIR)$(WWWDIR)
	install -d -m 750 $(DESTDIR)$(LOGDIR)
	install -m 644 daemon/loactl.1 $(DESTDIR)$(MANDIR)/man1/loactl.1
	install -m 644 conf/loa.conf.5 $(DESTDIR)$(MANDIR)/man5/loa.conf.5
	install -m 644 daemon/loa.8 $(DESTDIR)$(MANDIR)/man8/loa.8
	sed $(INSTALL_SED) systemd/loa.service \
	    > $(DESTDIR)$(UNITDIR)/loa.service.tmp
	chmod 644 $(DESTDIR)$(UNITDIR)/loa.service.tmp
	mv $(DESTDIR)$(UNITDIR)/loa.service.tmp $(DESTDIR)$(UNITDIR)/loa.service
	install -m 644 systemd/loa.sysusers $(DESTDIR)$(SYSUSERSDIR)/loa.conf
	sed $(INSTALL_SED) systemd/loa.logrotate \
	    > $(DESTDIR)$(SYSCONFDIR)/logrotate.d/loa.tmp
	chmod 644 $(DESTDIR)$(SYSCONFDIR)/logrotate.d/loa.tmp
	mv $(DESTDIR)$(SYSCONFDIR)/logrotate.d/loa.tmp \
	    $(DESTDIR)$(SYSCONFDIR)/logrotate.d/loa
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	install -m 644 $(MONITORING) $(DESTDIR)$(DATADIR)/monitoring/
	install -m 644 $(WARDS) $(DESTDIR)$(DATADIR)/wards/
	install -m 644 $(WWW) $(DESTDIR)$(WWWDIR)/
ifneq ($(COMPLETION),)
	install -d $(DESTDIR)$(COMPLETIONDIR)
	install -m 644 $(COMPLETION) $(DESTDIR)$(COMPLETIONDIR)/loactl
endif

# Removes what install put, then the directories that only Loa used when
# they are left empty (LOGDIR too: logs are kept); keeps
# $(SYSCONFDIR)/loa/loa.conf.
uninstall:
	rm -f $(INSTALLED:%=$(DESTDIR)%)
	-rmdir $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(LIBDIR)/loa \
	    $(DESTDIR)$(PREFIX)/include/loa $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(DATADIR)/monitoring \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/wards $(DESTDIR)$(WWWDIR) \
	    $(DESTDIR)$(DATADIR) $(DESTDIR)$(LOGDIR) 2>/dev/null
	@[ ! -e $(DESTDIR)$(SYSCONFDIR)/loa/loa.conf ] || \
	    echo "uninstall: kept $(DESTDIR)$(SYSCONFDIR)/loa/loa.conf"

# The Debian package, built by dpkg-buildpackage (debian/rules) from a
# copy of the sources in $(DEBDIR), where it leaves the .deb; lintian
# checks it (errors fail; LINTIAN= skips).  debian/changelog must carry
# LOA_VERSION (daemon/loa.h).
VERSION	:= $(shell sed -n 's/^\#define LOA_VERSION[^"]*"\([^"]*\)".*/\1/p' \
	     daemon/loa.h)
DEBDIR	?= $(B)/deb
DEB	 = $(DEBDIR)/loa_$(VERSION)_$(shell dpkg --print-architecture).deb
LINTIAN	?= lintian
DEB_JOBS ?= 2

deb:
	@v=$$(dpkg-parsechangelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
	    { echo "deb: debian/changelog is at $$v, daemon/loa.h" \
	    "LOA_VERSION at $(VERSION): add a changelog entry" >&2; exit 1; }
	rm -rf $(DEBDIR)
	mkdir -p $(DEBDIR)/loa-$(VERSION)
	cp -R Makefile README.md daemon include plugins conf systemd debian www \
	    $(DEBDIR)/loa-$(VERSION)/
	cd $(DEBDIR)/loa-$(VERSION) && dpkg-buildpackage -us -uc -b -j$(DEB_JOBS)
	@if [ -n "$(LINTIAN)" ]; then \
	    echo "$(LINTIAN) $(DEB)"; $(LINTIAN) --fail-on error $(DEB); fi
	@echo "deb: built $(DEB)"

clean:
	rm -rf $(B)

# Further targets, each in its own fragment: check-faults (tests/faults),
# fuzz (tests/fuzz), bench (tests/bench).
-include tests/faults/faults.mk tests/fuzz/fuzz.mk tests/bench/bench.mk
-include tests/torture/torture.mk
