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
kill -HUP "$(cat "$T/a.pid")"
wait_for 5 "RELOADING" grep -q "RELOADING=1" "$T/notify.out"
check "RELOADING=1 then READY=1 again on SIGHUP" sh -c "grep -o -e READY=1 -e RELOADING=1 '$T/notify.out' | tr '\n' ' ' | grep -q 'READY=1 RELOADING=1 READY=1'"
stop_loa a
is "SIGTERM exits 0" "$?" 0
check "STOPPING=1 sent" grep -q "STOPPING=1" "$T/notify.out"
done_testing
