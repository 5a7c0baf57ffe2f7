#!/bin/sh
# t_docs.sh -- the man pages and the example configuration name everything
# the code accepts.  The lists come from the source, not from a hand list:
#
#   config keys    per section, the strcmp(name, "KEY") of the function
#                  config.c's cfg_handler() hands the section to; the
#                  provider keys of loa_provider_common_keys[]; each
#                  plugin's own keys, its plugins/NAME.c *_keys[] table
#   loactl         the commands[] table of loactl.c; each command's long
#                  options, the struct option tables of the file that
#                  defines its function, and its subcommands; the getopt
#                  string of main()
#   loa            the getopt string of main.c
#   HTTP routes    the path literals of httpd.c's route_of()
#
# and checks that each is where a reader looks for it:
#   [redis], [daemon], [http] keys: ".It Cm KEY" in their ".Ss [section]"
#     of conf/loa.conf.5, and "KEY =" (set, or commented out with ";")
#     in their section of conf/loa.conf
#   provider keys: ".It Cm KEY" in ".Ss [provider.name]", and in a
#     [provider.*] section of conf/loa.conf
#   plugin keys (but the provider keys above, which some plugins list
#     too): ".Cm KEY" in the ".It Cm PLUGIN" item of loa.conf.5
#   loactl commands: an ".It Cm COMMAND" entry in daemon/loactl.1 and a
#     line of "loactl -h"; each option "Fl Fl OPT" in that command's
#     entries; each subcommand (the words its function compares its
#     first operand with) in the .It line of one of its entries and in
#     its lines of "loactl -h"; each letter of loactl's and loa's getopt
#     string an ".It Fl X" of their page
#   routes: the path in daemon/loa.8
# Each missing item is printed with the page it is missing from.  An
# extraction that finds fewer items than the code has today fails, so
# a change of code shape cannot make the test pass by finding nothing.
# Last, every page is formatted by groff (-ww, and mandoc -T lint when
# installed) without a warning.
#
#	sh tests/integration/run.sh t_docs
#	SRC=/other/tree sh tests/integration/t_docs.sh    (another tree)
. "$(dirname "$0")/lib.sh"

S=${SRC:-$ROOT}
CONF5=$S/conf/loa.conf.5
CONF=$S/conf/loa.conf
CTL1=$S/daemon/loactl.1
LOA8=$S/daemon/loa.8

# atleast WHAT N FILE: the extraction found at least N items.
atleast() {
	local n
	n=$(grep -c . "$3")
	if [ "$n" -ge "$2" ]; then
		pass "extracted $n $1"
	else
		fail "extracted only $n $1 (want at least $2): extraction broken"
	fi
}

# body FUNC FILE: the lines of the C function FUNC (name at column 0).
body() {
	awk -v f="$1" '$0 ~ "^" f "\\(" { on = 1 } on { print } on && /^}/ { exit }' "$2"
}

# strings: the string literals of standard input, one a line.
strings() {
	grep -o '"[^"]*"' | tr -d '"'
}

# --- config keys -------------------------------------------------------
# section -> function, from cfg_handler()
body cfg_handler "$S/daemon/config.c" | awk '
	/strcmp\(section, "[a-z_]*"\) == 0/ {
		s = $0; sub(/.*strcmp\(section, "/, "", s); sub(/".*/, "", s)
	}
	/return cfg_[a-z_]*\(/ && s != "" {
		f = $0; sub(/.*return /, "", f); sub(/\(.*/, "", f)
		print s, f; s = ""
	}' > "$T/sections"
atleast "config sections" 3 "$T/sections"
: > "$T/keys"
while read -r sect fn; do
	body "$fn" "$S/daemon/config.c" | grep -o 'strcmp(name, "[a-z_]*")' |
	    strings | sed "s/^/$sect /" >> "$T/keys"
done < "$T/sections"
atleast "config keys of [redis], [daemon], [http]" 27 "$T/keys"

sed -n '/loa_provider_common_keys\[\] = {/,/};/p' "$S/daemon/config.c" |
    sed 1d | strings > "$T/pkeys"
atleast "provider keys" 12 "$T/pkeys"

: > "$T/plugkeys"
for c in "$S"/plugins/*.c; do
	pl=$(basename "$c" .c)
	awk '/^static const char \*const [a-z_]*_keys\[\] = \{/ { on = 1 }
	    on { print } on && /};/ { exit }' "$c" | sed 's/.*= {//' | strings |
	    grep -vxF -f "$T/pkeys" | sed "s/^/$pl /" > "$T/plug.$pl"
	atleast "keys of plugin $pl" 1 "$T/plug.$pl"
	cat "$T/plug.$pl" >> "$T/plugkeys"
done
atleast "plugin keys" 39 "$T/plugkeys"

# manpage_section SECTION: the lines of loa.conf.5's ".Ss [SECTION]".
manpage_section() {
	awk -v s="$1" '
	/^\.S[sh] / { on = index($0, "[" s) > 0 }
	on' "$CONF5"
}
# conf_section SECTION: the lines of loa.conf's [SECTION...] sections
# ("provider." matches every provider section).
conf_section() {
	awk -v s="$1" '
	/^\[/ { on = index($0, "[" s) == 1 }
	on' "$CONF"
}

missing=0
miss() {
	missing=$((missing + 1))
	echo "# missing: $1"
}
while read -r sect key; do
	manpage_section "$sect" | grep -q "^\.It Cm $key\( \|$\)" ||
	    miss "[$sect] $key in conf/loa.conf.5"
	conf_section "$sect]" | grep -q "^[;#]*[ 	]*${key}[ 	]*=" ||
	    miss "[$sect] $key in conf/loa.conf"
done < "$T/keys"
while read -r key; do
	manpage_section provider. | grep -q "^\.It Cm $key\( \|$\)" ||
	    miss "[provider.NAME] $key in conf/loa.conf.5"
	conf_section provider. | grep -q "^[;#]*[ 	]*${key}[ 	]*=" ||
	    miss "[provider.NAME] $key in conf/loa.conf"
done < "$T/pkeys"
while read -r pl key; do
	# the item of the plugin in the list of the plugins' own keys
	awk -v p="$pl" '
	/^\.(It|El)/ { on = ($0 == ".It Cm " p) }
	on' "$CONF5" | grep -q "^\.Cm $key\( \|$\)" ||
	    miss "plugin $pl key $key in conf/loa.conf.5"
done < "$T/plugkeys"
is "every config key in loa.conf.5 and loa.conf" "$missing" 0

# --- loactl ------------------------------------------------------------
sed -n '/commands\[\] = {/,/^};/p' "$S/daemon/loactl.c" | grep -o '{ "[a-z_-]*",[ 	]*ctl_[a-z_]*[ ,}]' |
    tr -d '{},"' | sort -u > "$T/commands"
atleast "loactl commands" 11 "$T/commands"

# The entries of the command list of loactl.1: "COMMAND line..." for
# every line of an item at the list's top level, with its command.
awk '
	/^\.Sh / { sh = $2 }
	sh == "DESCRIPTION" && /^\.Bl / { depth++ }
	sh == "DESCRIPTION" && /^\.El/ { depth--; next }
	sh != "DESCRIPTION" || depth == 0 { next }
	depth == 1 && /^\.It / {
		cmd = ""; xo = ($2 == "Xo")
		if ($2 == "Cm") cmd = $3
		if (cmd == "") { print "-", $0; next }
	}
	xo && cmd == "" && /^\.Cm / { cmd = $2 }
	{ print (cmd == "" ? "-" : cmd), $0 }' "$CTL1" > "$T/entries"

"$LOACTL" -h > "$T/help" 2>&1
missing=0
while read -r cmd fn; do
	grep -q "^$cmd " "$T/entries" ||
	    miss "loactl command $cmd in daemon/loactl.1"
	grep -q "^[ 	]*$cmd\( \|$\)" "$T/help" ||
	    miss "loactl command $cmd in loactl -h"
	file=$(grep -l "^$fn(" "$S"/daemon/*.c | head -1)
	if [ -z "$file" ]; then
		fail "the function $fn of loactl $cmd is found"
		continue
	fi
	grep -o '{ "[a-z-]*",[ 	]*[a-z]*_argument' "$file" | strings |
	    grep -vx help > "$T/opts.$cmd"
	while read -r opt; do
		grep "^$cmd " "$T/entries" |
		    grep -q "Fl Fl $opt\( \|$\)" ||
		    miss "loactl $cmd --$opt in daemon/loactl.1 ($cmd entry)"
	done < "$T/opts.$cmd"
	cat "$T/opts.$cmd" >> "$T/allopts"
	# subcommands: the words the command's first operand is compared
	# with (ops[0], or sub = ops[0]) in its function
	body "$fn" "$file" | grep -o 'strcmp(\(ops\[0\]\|sub\), "[a-z][a-z-]*")' |
	    strings | sort -u > "$T/subs.$cmd"
	while read -r sub; do
		grep "^$cmd \.It " "$T/entries" |
		    grep -q "[ |]$sub\( \|$\)" ||
		    miss "loactl $cmd $sub in daemon/loactl.1"
		grep "^[ 	]*$cmd " "$T/help" | grep -qw -- "$sub" ||
		    miss "loactl $cmd $sub in loactl -h"
	done < "$T/subs.$cmd"
	cat "$T/subs.$cmd" >> "$T/allsubs"
done < "$T/commands"
atleast "loactl command options" 12 "$T/allopts"
atleast "loactl subcommands (import, provider, optout)" 9 "$T/allsubs"

# getopt_letters FILE: the option letters of main()'s getopt string.
getopt_letters() {
	body main "$1" | grep -o 'getopt[_a-z]*(argc, argv, "[^"]*"' |
	    head -1 | sed 's/.*"\(.*\)"/\1/' | tr -d '+:' | fold -w1
}
getopt_letters "$S/daemon/loactl.c" > "$T/ctlopts"
atleast "loactl options" 4 "$T/ctlopts"
while read -r o; do
	grep -q "^\.It Fl $o\( \|$\)" "$CTL1" ||
	    miss "loactl -$o in daemon/loactl.1"
done < "$T/ctlopts"
is "every loactl command and option in loactl.1 and loactl -h" \
    "$missing" 0

# --- loa ---------------------------------------------------------------
missing=0
getopt_letters "$S/daemon/main.c" > "$T/loaopts"
atleast "loa options" 5 "$T/loaopts"
while read -r o; do
	grep -q "^\.It Fl $o\( \|$\)" "$LOA8" || miss "loa -$o in daemon/loa.8"
done < "$T/loaopts"

body route_of "$S/daemon/httpd.c" | strings | grep '^/.' > "$T/routes"
atleast "HTTP route paths" 5 "$T/routes"
while read -r r; do
	grep -qF -- "$r" "$LOA8" || miss "HTTP path $r in daemon/loa.8"
done < "$T/routes"
is "every loa option and HTTP route in loa.8" "$missing" 0

# --- formatting --------------------------------------------------------
check "groff is installed (groff-base)" sh -c 'command -v groff >/dev/null'
for p in "$LOA8" "$CTL1" "$CONF5"; do
	w=$(groff -Tutf8 -mdoc -ww -z "$p" 2>&1)
	is "groff -ww: $(basename "$p") without warnings" "$w" ""
	if command -v mandoc >/dev/null 2>&1; then
		w=$(mandoc -T lint -W warning "$p" 2>&1)
		is "mandoc -T lint: $(basename "$p")" "$w" ""
	fi
done
done_testing
