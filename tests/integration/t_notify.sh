#!/bin/sh
# t_notify.sh -- the daemon speaks systemd's notify protocol: READY=1 once
# running, STATUS= with live counts, WATCHDOG=1 from the loop when a
# watchdog is set, RELOADING=1 and READY=1 around a SIGHUP reload,
# STOPPING=1 on SIGTERM.  A real datagram socket (socat)
# stands in for systemd.
. "$(dirname "$0")/lib.sh"

if ! command -v socat >/dev/null 2>&1; then
	echo "# skipped: no socat"
	done_testing
	exit $?
fi
start_redis || exit 1
socat -u UNIX-RECV:"$T/notify.sock" OPEN:"$T/notify.out",creat,append &
echo $! > "$T/socat.pid"
wait_for 5 "socket" test -S "$T/notify.sock"
write_conf a
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 start_loa a || exit 1
wait_for 5 "READY" grep -q "READY=1" "$T/notify.out"
check "READY=1 sent" grep -q "READY=1" "$T/notify.out"
# Datagrams arrive back to back, without newlines: count the words.
pings() { grep -o WATCHDOG=1 "$T/notify.out" | wc -l; }
wait_for 3 "watchdog pings" sh -c "[ \$(grep -o WATCHDOG=1 '$T/notify.out' | wc -l) -ge 3 ]"
check "WATCHDOG=1 from the loop ($(pings) pings)" test "$(pings)" -ge 3
wait_for 7 "STATUS" grep -q "STATUS=running" "$T/notify.out"
check "STATUS with counts" grep -q "STATUS=running; 0 deliveries under way, 0 waiting to retry, 0 work entries held; redis up" "$T/notify.out"
# A reload that takes a while (the config on a slow disk: here a FIFO
# that gets the config a second after the SIGHUP).
cp "$T/a.conf" "$T/a.conf.real"
rm "$T/a.conf"
mkfifo "$T/a.conf"
(sleep 1; timeout 20 sh -c "cat '$T/a.conf.real' > '$T/a.conf'") &
writer=$!
kill -HUP "$(cat "$T/a.pid")"
# READY=1 comes when the reload is done, not with RELOADING=1: wait for it.
reloaded() {
	grep -o -e READY=1 -e RELOADING=1 "$T/notify.out" | tr '\n' ' ' |
	    grep -q 'READY=1 RELOADING=1 READY=1'
}
wait_for 5 "RELOADING" grep -q "RELOADING=1" "$T/notify.out"
readies() { grep -o READY=1 "$T/notify.out" | wc -l; }
is "RELOADING=1 while the reload is under way (READY=1 once so far)" "$(readies)" 1
wait_for 10 "READY again" reloaded
check "RELOADING=1 then READY=1 again on SIGHUP" reloaded
wait "$writer"
stop_loa a
is "SIGTERM exits 0" "$?" 0
check "STOPPING=1 sent" grep -q "STOPPING=1" "$T/notify.out"
done_testing
