#!/bin/sh
# layout.sh -- the store's rules that grep can check (issue 13): no Lua in
# C strings, no key name spelled outside the key builder (daemon/store.c
# in C, daemon/lua/lib/keys.lua in Lua).  Run by `make check-lua`.
cd "$(dirname "$0")/../.." || exit 1
bad=0
# show WHAT FILES...: print the matches, count a failure
show() {
	what=$1
	shift
	if [ -n "$*" ]; then
		echo "store layout: $what:"
		grep -Hn "$pat" "$@" | sed 's/^/  /'
		bad=1
	fi
}
pat="redis\.call\|redis\.pcall"
show "Lua in C strings" $(grep -l "$pat" daemon/*.c daemon/*.h plugins/*.c)
keys='jobs\|events\|dead\|optout\|wards\|directory:\|work:\|job:\|ward:\|resident:\|msgid:\|rate:\|cred:\|provider:\|schedule\|reports:'
pat="\"%s\($keys\)\|ctl_key("
show "key names spelled in C outside daemon/store.c" \
    $(grep -l "$pat" daemon/*.c daemon/*.h | grep -v '^daemon/store\.c$')
pat="ARGV\[1\] *\.\.\|[a-z] \.\. '\($keys\)"
show "key names spelled in Lua outside daemon/lua/lib/keys.lua" \
    $(grep -l "$pat" daemon/lua/*.lua daemon/lua/lib/*.lua | grep -v '/keys\.lua$')
pat="KEYS\["
show "KEYS in a script (the prefix is ARGV[1]; daemon/store.h)" \
    $(grep -l "$pat" daemon/lua/*.lua daemon/lua/lib/*.lua)
[ $bad -eq 0 ] && echo "store layout: no Lua in C, keys built in one place"
exit $bad
