#!/bin/sh
# t_config.sh -- loa -t: a good config passes, a bad one names the file,
# the line and the key, and the daemon does not start on it.
. "$(dirname "$0")/lib.sh"

write_conf good
out=$($LOA -t -c "$T/good.conf" 2>&1)
is "good config: exit 0" "$?" 0
check "good config: says OK" sh -c "echo '$out' | grep -q 'configuration OK'"

bad() {
	# bad NAME "MESSAGE" config lines...
	local name msg
	name=$1
	msg=$2
	shift 2
	printf '%s\n' "$@" > "$T/$name.conf"
	out=$($LOA -t -c "$T/$name.conf" 2>&1)
	is "$name: exit 1" "$?" 1
	case "$out" in
	*"$T/$name.conf:$msg"*) pass "$name: $out" ;;
	*) fail "$name: want '$T/$name.conf:$msg', got '$out'" ;;
	esac
}
bad unknown_key "3: [daemon] colour: unknown key" "[daemon]" "log = -" "colour = blue"
bad bad_url "2: [redis] url:" "[redis]" "url = mysql://x"
bad bad_inflight "4: [daemon] max_inflight:" "" "" "[daemon]" "max_inflight = -3"
bad plugin_key "3: [provider.c] colour: unknown key for plugin console" "[provider.c]" "plugin = console" "colour = red"
bad no_plugin "2: [provider.x] plugin: missing" "[provider.x]" "channel = sms"
bad missing_plugin "2: [provider.x] plugin:" "[provider.x]" "plugin = nosuchplugin"
bad syntax "2: syntax error" "[daemon]" "just words"
out=$($LOA -t -c "$T/nonexistent.conf" 2>&1)
is "missing file: exit 1" "$?" 1
check "missing file: named" sh -c "echo '$out' | grep -q 'nonexistent.conf: No such file'"
$LOA -c "$T/unknown_key.conf" >/dev/null 2>&1
is "daemon refuses to start on a bad config" "$?" 1
out=$($LOA -x 2>&1)
is "bad usage: exit 2" "$?" 2
done_testing
