# inbox: ARGV prefix now_ms now_iso retention_ms audit_retention_ms provider,
# then per message: kind channel from key_ok digest msg_id sent_at text
# truncated note keyword arg shown
NOW=1800000000000
DAY=86400000
# flat: the answer on one line, "-" for an empty value, entry ids left out
flat() { sed 's/^$/-/' | grep -v '^[0-9][0-9]*-[0-9][0-9]*$' | tr '\n' ' ' | sed 's/ $//'; }
inbox() { ev inbox $P $NOW 2027-01-15T08:00:00Z 604800000 604800000 p1 "$@" | flat; }
# msg FROM CHANNEL DIGEST TEXT [KEYWORD ARG]: one text message
msg() { inbox text "$2" "$1" 1 "$3" "m-$3" '' "$4" 0 '' "${5:-}" "${6:-}" shown; }
field() { R XREVRANGE ${P}inbox + - COUNT 1 | awk -v f="$1" 'NR % 2 == 0 && $0 == f { getline; print; exit }'; }
R HSET ${P}ward:00070 name 'Phúc Xá' >/dev/null
R HSET ${P}resident:r1 ward 00070 phone 84912345678 name 'Bà Lan' >/dev/null
R HSET ${P}resident:r2 ward 00071 phone 84912345678 >/dev/null
R HSET ${P}resident:r3 ward 00070 phone 84900000003 zalo_uid olduid >/dev/null
R SADD ${P}phone:84912345678:residents r2 r1 >/dev/null
R SADD ${P}phone:84900000003:residents r3 >/dev/null
R SADD ${P}zalo:olduid:residents r3 >/dev/null
# j1 (2 days ago) reached r1; j2 (8 days ago) reached r3; j3 (1 day ago) r3 failed
R ZADD ${P}index:jobs $((NOW - 2 * DAY)) j1 $((NOW - 8 * DAY)) j2 $((NOW - DAY)) j3 >/dev/null
R HSET ${P}job:j1 state done >/dev/null
R HSET ${P}job:j1:out r1 delivered:sms >/dev/null
R HSET ${P}job:j2:out r3 sent:zalo >/dev/null
R HSET ${P}job:j3:out r3 failed:sms '#0' sent:sms >/dev/null
R HSET ${P}job:j3:phones 84955555555 '#0' >/dev/null
R PEXPIRE ${P}job:j1 100000 >/dev/null

is "stored: the first resident by id, its ward, the job that reached it" \
    "$(msg 84912345678 sms d1 'Nhà tôi bị ngập')" "stored r1 00070 j1 - - text sms 84912345678"
is "the text kept as written" "$(field text)" "Nhà tôi bị ngập"
is "the resident's name kept with it" "$(field resident_name)" "Bà Lan"
is "a replay: duplicate" "$(msg 84912345678 sms d1 'x')" "duplicate text"
is "nothing added by it" "$(R XLEN ${P}inbox)" 1
is "the job counts one sender" "$(R HGET ${P}job:j1 answered)" 1
is "the answered set expires with the job" "$(R PTTL ${P}job:j1:answered | awk '{ print ($1 > 0 && $1 <= 100000) }')" 1
msg 84912345678 sms d2 'lần hai' >/dev/null
is "the same sender again: still one" "$(R HGET ${P}job:j1 answered)" 1
is "the seen key lives as long as the retention" "$(R PTTL ${P}inbox:seen:p1:d1 | awk '{ print ($1 > 600000000) }')" 1
is "an unknown phone: no resident, the job through its phones" \
    "$(msg 84955555555 sms d3 'hi')" "stored - - j3 - - text sms 84955555555"
is "an unknown zalo user" "$(msg someone zalo d4 'xin chào')" "stored - - - - - text zalo someone"
is "the uid as from" "$(field from)" someone
is "no resident: no name" "[$(field resident_name)]" "[]"
is "a linked uid: its resident; j2 is older than 7 days, j3 failed" \
    "$(msg olduid zalo d5 'chào')" "stored r3 00070 - - - text zalo olduid"

# keywords
is "sms optout" "$(msg 84912345678 sms d6 'TU CHOI' optout)" "stored r1 00070 j1 optout opted_out text sms 84912345678"
is "sms optout: the phone" "$(R SISMEMBER ${P}optout 84912345678)" 1
is "audited" "$(R XREVRANGE ${P}audit + - COUNT 1 | sed 1d | tr '\n' ' ')" \
    "ts 2027-01-15T08:00:00Z actor resident action optout target r1,r2 from p1 "
msg olduid zalo d7 'huy' optout >/dev/null
is "zalo optout: the linked residents" "$(R HGET ${P}resident:r3 opt_out)" 1
is "and the uid" "$(R SISMEMBER ${P}optout:zalo olduid)" 1
msg stranger zalo d8 'stop' optout >/dev/null
is "an unknown zalo sender: only its uid" "$(R SISMEMBER ${P}optout:zalo stranger) $(R HGET ${P}resident:r1 opt_out)" "1 "
is "a uid that cannot be a key: stored, no lookup" \
    "$(inbox text zalo 'bad:uid' 0 d9 m-d9 '' stop 0 '' optout '' shown) $(R SISMEMBER ${P}optout:zalo 'bad:uid')" \
    "stored - - - optout opted_out text zalo - 0"

# DANG KY
is "register: exactly one resident, linked" \
    "$(msg newuid zalo d10 'DANG KY 0900000003' register 84900000003)" "stored r3 00070 - register linked text zalo newuid"
is "the uid set" "$(R HGET ${P}resident:r3 zalo_uid)" newuid
is "the index moved" "$(R SISMEMBER ${P}zalo:newuid:residents r3) $(R SISMEMBER ${P}zalo:olduid:residents r3)" "1 0"
is "the link audited" "$(R XREVRANGE ${P}audit + - COUNT 1 | sed -n '7p;9p' | tr '\n' ' ')" "link r3 "
is "two residents: ambiguous" "$(msg u2 zalo d11 'dang ky 0912345678' register 84912345678)" \
    "stored - - - register link_ambiguous text zalo u2"
is "none: unknown" "$(msg u2 zalo d12 'dang ky 0999999999' register 84999999999)" \
    "stored - - - register link_unknown text zalo u2"
is "from sms: no link" "$(msg 84900000009 sms d13 'dang ky 0900000003' register 84900000003) $(R HGET ${P}resident:r3 zalo_uid)" \
    "stored - - - register - text sms 84900000009 newuid"

# follow / unfollow, other
inbox follow zalo u3 1 d14 m-d14 '' '' 0 '' '' '' s >/dev/null
is "follow kept" "$(R GET ${P}zalo:u3:follows) $(field kind)" "1 follow"
inbox unfollow zalo u3 1 d15 m-d15 '' '' 0 '' '' '' s >/dev/null
is "unfollow kept" "$(R GET ${P}zalo:u3:follows)" 0
is "two in a call, one a replay" "$(inbox other zalo u3 1 d16 m-d16 '' '' 0 image '' '' s \
    text zalo u3 1 d15 m-d15 '' 'x' 0 '' '' '' s)" "stored - - - - - other zalo u3 duplicate text"
is "other: the note" "$(field note) $(field kind)" "image other"
