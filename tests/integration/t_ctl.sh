#!/bin/sh
# t_ctl.sh -- loactl's conventions (issue 14, points 5, 7, 8, 9): --help
# and --version, every command in the usage and with its own --help;
# provider pause|resume of an unknown provider fails and writes nothing;
# --json on the listings; tail -n N shows the last N then follows, and
# --exit-after N; the bash completion (sourced in bash, COMPREPLY asked
# for a few prefixes); optout check consults the directory (a resident
# imported with opt_out=1); optout --zalo (add, remove, list, check,
# audited; a bad user id is bad usage and builds no key); report --csv
# has the reason column.
. "$(dirname "$0")/lib.sh"

start_redis || exit 1
C() { $LOACTL -r "unix://$SOCK" "$@"; }
VERSION=$(sed -n 's/^#define LOA_VERSION[^"]*"\(.*\)"/\1/p' "$ROOT/daemon/loa.h")

# --- 1. --help, --version, COMMAND --help, unknown options
$LOACTL --help > "$T/help.out" 2> "$T/help.err"
is "--help: exit 0" $? 0
is "--help: nothing on stderr" "$(cat "$T/help.err")" ""
for c in send preview status tail dead import provider report optout cancel retry; do
	check "--help lists $c" grep -Eq "^  $c( |\$)" "$T/help.out"
	$LOACTL $c --help > "$T/c.out" 2>&1
	is "$c --help: exit 0" $? 0
	check "$c --help: its usage" grep -q "^usage: loactl $c" "$T/c.out"
done
is "-h is --help" "$($LOACTL -h | md5sum)" "$(md5sum < "$T/help.out")"
is "--version" "$($LOACTL --version)" "loactl $VERSION"
is "-V" "$($LOACTL -V)" "loactl $VERSION"
$LOACTL --bogus > "$T/bogus.out" 2> "$T/bogus.err"
is "unknown option: exit 2" $? 2
is "unknown option: nothing on stdout" "$(cat "$T/bogus.out")" ""
is "unknown option: named" "$(head -1 "$T/bogus.err")" "loactl: unknown option --bogus"
check "unknown option: the usage, retry in it" grep -q "loactl .*retry ID" "$T/bogus.err"
$LOACTL frob 2> "$T/frob.err"
is "unknown command: exit 2" $? 2
check "unknown command: usage lists retry" grep -q "retry ID" "$T/frob.err"

# --- 2. unknown provider
write_conf a
$LOACTL -c "$T/a.conf" provider pause nosuch > "$T/p.out" 2> "$T/p.err"
is "pause unknown: exit 1" $? 1
is "pause unknown: message" "$(cat "$T/p.err")" "loactl: unknown provider nosuch (known: console)"
is "pause unknown: no key written" "$(R EXISTS loa:provider:nosuch)" 0
$LOACTL -c "$T/a.conf" provider resume nosuch 2>/dev/null
is "resume unknown: exit 1" $? 1
C provider pause nosuch 2> "$T/p2.err"
is "pause unknown without a config: exit 1" $? 1
is "without a config the known one is console" "$(cat "$T/p2.err")" "loactl: unknown provider nosuch (known: console)"
now=$(($(date +%s) * 1000))
R HSET loa:provider:other "circuit:d1" "closed $now $now" >/dev/null
C provider pause other > /dev/null
is "a provider a daemon publishes: exit 0" $? 0
is "  and paused" "$(R HGET loa:provider:other paused)" 1
$LOACTL -c "$T/a.conf" provider pause console > /dev/null
is "pause a configured provider: exit 0" $? 0
C dead --retry 1-0 2> "$T/d.err"
is "dead --retry of no dead letter: exit 1" $? 1
is "  says so" "$(cat "$T/d.err")" "loactl: 1-0: no such dead letter"

# --- 3. --json on listings
$LOACTL -c "$T/a.conf" provider list --json > "$T/pl.json"
is "provider list --json: exit 0" $? 0
is "provider list --json: one object, paused" "$(jq -c '[.name, .plugin, .paused, (.paused_since != null), .circuits]' "$T/pl.json")" '["console","console",true,true,[]]'
C optout add 0912000777 0983000111 > /dev/null
C optout list --json > "$T/ol.json"
is "optout list --json: exit 0" $? 0
is "optout list --json: masked, one a line" "$(jq -r .phone "$T/ol.json" | tr '\n' ' ')" "8491****777 8498****111 "
is "optout list --count --json" "$(C optout list --count --json | jq .count)" 2
R XADD loa:dead '*' job '{"id":"x","recipients":[{"phone":"0912345678"}]}' error "bad 0912345678" id x ts 1 >/dev/null
is "dead --json: masked" "$(C dead --json | jq -r .error)" "bad 0912***678"

# --- 4. tail -n N, --exit-after
for i in 1 2 3 4 5; do
	R XADD loa:events '*' event "{\"job\":\"j$((i % 2))\",\"n\":$i}" >/dev/null
done
C tail -n 2 --exit-after 3 > "$T/tail.out" 2>&1 &
tpid=$!
wait_for 5 "tail has printed the last 2" sh -c "[ \$(wc -l < '$T/tail.out') -ge 2 ]"
R XADD loa:events '*' event '{"job":"j0","n":6}' >/dev/null
wait_for 5 "tail exits after 3" sh -c "! kill -0 $tpid 2>/dev/null"
wait $tpid
is "tail -n 2 --exit-after 3: exit 0" $? 0
is "tail -n 2: the last 2, then the new one" "$(jq -c .n "$T/tail.out" | tr '\n' ' ')" "4 5 6 "
is "tail -n 2 --job j1 --exit-after 2" "$(C tail -n 2 --job j1 --exit-after 2 --json | jq -c .n | tr '\n' ' ')" "3 5 "
is "tail -n more than there are" "$(C tail -n 50 --exit-after 6 | wc -l)" 6
timeout 5 $LOACTL -r "unix://$SOCK" tail --count 1 >/dev/null 2>&1
is "tail --count (the old meaning) is gone: exit 2" $? 2
C tail -n x >/dev/null 2>&1
is "tail -n x: exit 2" $? 2

# --- 5. bash completion
comp() {
	PATH="$BUILD:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _loactl; echo "${COMPREPLY[*]}"' \
	    comp "$ROOT/conf/loactl.bash-completion" "$@"
}
is "complete a command" "$(comp loactl pro)" "provider"
is "complete r" "$(comp loactl re)" "report retry"
is "complete a global option" "$(comp loactl --ver)" "--version"
is "complete a subcommand" "$(comp loactl provider pa)" "pause"
is "complete a provider name from the config" "$(comp loactl -c "$T/a.conf" provider pause c)" "console"
is "complete tail options" "$(comp loactl tail --ex)" "--exit-after"
is "complete optout list options" "$(comp loactl optout list --j)" "--json"

# --- 6. optout check consults the directory
printf 'code,name,district\n00070,Phường Hoàn Kiếm,Hoàn Kiếm\n' > "$T/w.csv"
printf 'id,phone,ward,name,opt_out\nr1,0912000001,00070,Bà Lan,0\nr3,0912000003,00070,Chị Hoa,1\n' > "$T/r.csv"
C import wards "$T/w.csv" > /dev/null && C import residents "$T/r.csv" > /dev/null
is "directory imported" $? 0
C optout check 0912000003 > "$T/oc.out"
is "optout check of an opt_out=1 resident: exit 0" $? 0
is "  says so" "$(cat "$T/oc.out")" "8491****003 opted out by the directory: resident r3 in ward 00070"
C optout check 0912000001 > "$T/oc1.out"
is "optout check of a resident who did not opt out: exit 1" $? 1
is "  says so" "$(cat "$T/oc1.out")" "8491****001 not opted out"
printf 'id,phone,ward,name,opt_out\nr3,0912000009,00070,Chị Hoa,1\n' > "$T/r2.csv"
C import residents "$T/r2.csv" > /dev/null
C optout check 0912000003 > /dev/null
is "a resident whose phone changed no longer holds the old one" $? 1

# --- 6b. optout --zalo: the Zalo user ids in loa:optout:zalo
# A bad user id is bad usage before Redis: no key built from it.
for bad in 'a:b' 'u 1' '' "$(printf 'u\033[2J')" "$(printf '%065d' 7)" '{loa}'; do
	C optout add --zalo "$bad" > "$T/oz.out" 2> "$T/oz.err"
	is "optout add --zalo '$(printf '%s' "$bad" | tr -d '\033')': exit 2" $? 2
	is "  nothing on stdout" "$(cat "$T/oz.out")" ""
	check "  says it is no Zalo user id" grep -q '^loactl: optout: --zalo: ".*" is no Zalo user id (1 to 64 letters, digits, _ or -)$' "$T/oz.err"
	check "  no escape byte on the terminal" sh -c "! grep -q \"\$(printf '\\033')\" '$T/oz.err'"
done
C optout add --zalo u1 'a:b' 2> /dev/null
is "a good and a bad uid: exit 2" $? 2
C optout remove --zalo 'a b' 2> /dev/null
is "remove --zalo of a bad uid: exit 2" $? 2
C optout check --zalo 'a*' 2> /dev/null
is "check --zalo of a bad uid: exit 2" $? 2
is "  no key written for any of them" "$(R EXISTS loa:optout:zalo) [$(R KEYS '*a:b*')] [$(R KEYS '*optout:zalo:*')]" "0 [] []"
C optout add --zalo 2> "$T/oz.err"
is "add --zalo without a uid: exit 2" $? 2
check "  names UID" grep -q '^loactl: optout: add: missing UID$' "$T/oz.err"

C optout add --zalo 5871234 uid-777 > "$T/oz.out"
is "optout add --zalo: exit 0" $? 0
is "  says so" "$(cat "$T/oz.out" | tr '\n' '|')" "zalo:5871234 opted out|zalo:uid-777 opted out|"
is "  both in loa:optout:zalo" "$(R SMEMBERS loa:optout:zalo | sort | tr '\n' ' ')" "5871234 uid-777 "
is "  the phones' set untouched" "$(R SCARD loa:optout)" 2
is "again: already opted out" "$(C optout add --zalo 5871234)" "zalo:5871234 already opted out"
is "optout list --zalo" "$(C optout list --zalo | tr '\n' ' ')" "5871234 uid-777 "
is "optout list --zalo --count" "$(C optout list --zalo --count)" 2
is "optout list --zalo --json" "$(C optout list --zalo --json | jq -r .zalo_uid | tr '\n' ' ')" "5871234 uid-777 "
is "optout list (phones) is not the uids" "$(C optout list --count)" 2
C optout check --zalo 5871234 > "$T/oz.out"
is "optout check --zalo of an opted-out uid: exit 0" $? 0
is "  says so" "$(cat "$T/oz.out")" "zalo:5871234 opted out"
C optout check --zalo 999 > "$T/oz.out"
is "optout check --zalo of another: exit 1" $? 1
is "  says so" "$(cat "$T/oz.out")" "zalo:999 not opted out"
C optout remove --zalo uid-777 > "$T/oz.out"
is "optout remove --zalo: exit 0" $? 0
is "  says so" "$(cat "$T/oz.out")" "zalo:uid-777 no longer opted out"
is "  out of the set" "$(R SISMEMBER loa:optout:zalo uid-777)" 0
is "again: not opted out before" "$(C optout remove --zalo uid-777)" "zalo:uid-777 not opted out before"
C optout check --zalo uid-777 > /dev/null
is "check --zalo after remove: exit 1" $? 1
is "audited: add and remove, as the phone forms, once each" \
    "$(C audit --json --limit 1000 | jq -r '.[] | select(.action == "optout" and (.target | startswith("zalo:"))) | [.actor, .target, .from, .detail] | join(" ")' | tr '\n' '|')" \
    "cli:$(whoami) zalo:5871234 local zalo add|cli:$(whoami) zalo:uid-777 local zalo add|cli:$(whoami) zalo:uid-777 local zalo remove|"
# A resident of the directory with that uid and opt_out=1 is opted out
# by the directory, as check PHONE says (the import's uid index).
printf 'id,phone,ward,name,opt_out,zalo_uid\nr7,0912000007,00070,Anh Bảy,1,z7\nr8,0912000008,00070,Út,0,z8\n' > "$T/r7.csv"
C import residents "$T/r7.csv" > /dev/null
C optout check --zalo z7 > "$T/oz.out"
is "check --zalo of an opt_out=1 resident's uid: exit 0" $? 0
is "  says so" "$(cat "$T/oz.out")" "zalo:z7 opted out by the directory: resident r7 in ward 00070"
C optout check --zalo z8 > "$T/oz.out"
is "check --zalo of a resident who did not opt out: exit 1" $? 1
is "  says so" "$(cat "$T/oz.out")" "zalo:z8 not opted out"
is "complete optout options" "$(comp loactl optout add --z)" "--zalo"

# --- 7. report --csv has the reason column (a real job, the daemon)
$LOACTL -c "$T/a.conf" provider resume console > /dev/null
start_loa a || exit 1
cat > "$T/j.json" <<'JSON'
{"id":"rc1","channels":["sms"],"sms":{"text":"Kinh gui {{name}}"},
 "recipients":[{"phone":"0912000777","name":"A","ward":"00070"},
  {"phone":"0912000101","ward":"00070"},
  {"phone":"0912000102","name":"=B","ward":"00070"}]}
JSON
submit "$T/j.json" > /dev/null
wait_for 15 "rc1 done" state_is rc1 done
C report rc1 --csv > "$T/rc.csv"
is "report --csv: exit 0" $? 0
is "report --csv: header" "$(head -1 "$T/rc.csv" | tr -d '\r')" "ward,ward_name,resident,name,phone,status,channel,reason"
is "report --csv: reasons" "$(sed 1d "$T/rc.csv" | tr -d '\r' | cut -d, -f3,6,8 | LC_ALL=C sort | tr '\n' ' ')" "#0,skipped,opted_out #1,failed,missing_var "
R HSET loa:job:rc1:why '#1' '=HYPERLINK("x") 0912345678' >/dev/null
C report rc1 --csv > "$T/rc2.csv"
check "report --csv: a reason is defused and masked" grep -q "'=HYPERLINK(\"\"x\"\") 0912\*\*\*678" "$T/rc2.csv"
stop_loa a

# A script Redis refuses is named by its name, on one line, not by its
# text (4 KiB of Lua, escaped onto that line, before).
R SET loa:job:wt oops >/dev/null
C cancel wt > "$T/wt.out" 2>&1
is "a script error exits 1" "$?" 1
is "a script error is one line" "$(wc -l < "$T/wt.out" | tr -d ' ')" 1
check "it names the script" grep -q '^loactl: redis .*: EVAL cancel: WRONGTYPE' "$T/wt.out"

done_testing
