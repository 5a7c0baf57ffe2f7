#!/bin/sh
# t_mock.sh -- the mock provider itself: every endpoint in its real format
# (success, errors, refused credentials), eSMS de-duplication by RequestId,
# Zalo refresh-token rotation and expired access tokens, failure injection
# (5xx/429 proportions under a fixed seed and their repeatability,
# Retry-After in every form, down, late answers that block nobody, drops
# before and after acceptance, answers garbled after acceptance (HTML,
# empty, cut short, huge), slow answers, rate limits), stats, the record
# file, -c at start and a clean exit on SIGTERM/SIGINT.  No Redis, no
# daemon.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

J='Content-Type: application/json'
ESMS=/MainService.svc/json/SendMultipleMessage_V4_post_json/
SID=AC0123456789abcdef0123456789abcdef
TW=/2010-04-01/Accounts/$SID/Messages.json

jb() { printf '%s' "$MOCK_BODY" | jq -r "$1"; }
hdr() { grep -i "^$1:" "$T/mock.headers" | sed 's/^[^:]*: *//' | tr -d '\r'; }
nrec() { mock_records | wc -l | tr -d ' '; }

zrefresh() {
	mock_call POST /v4/oa/access_token -H "secret_key: sk1" \
	    --data "refresh_token=$1&app_id=app1&grant_type=refresh_token"
}
zsend() {
	mock_call POST /message/template -H "access_token: $1" -H "$J" \
	    --data "$2"
}
zbody() {
	printf '{"phone":"%s","template_id":"231768","template_data":{"ten":"Lan","noi_dung":"Cat dien"},"tracking_id":"%s"}' "$1" "$2"
}
ebody() {
	printf '{"ApiKey":"k1","SecretKey":"s1","Phone":"%s","Content":"Xin chao %s","Brandname":"UBND-HK","SmsType":"2","IsUnicode":"0","Sandbox":"%s","RequestId":"%s","CallbackUrl":"http://127.0.0.1:1/cb"}' "$1" "$1" "${3:-0}" "$2"
}
esend() { mock_call POST $ESMS -H "$J" --data "$1"; }
ssend() { mock_call POST /index.php/sms/send -H "$J" "$@"; }
tsend() { mock_call POST "$TW" "$@"; }
gsend() { mock_call POST /generic/send -H "$J" --data "$1"; }

# burst N PATH [curl args]: N requests over one kept-alive connection;
# one HTTP status per line in $T/burst.codes, headers in $T/burst.headers.
burst() {
	local n p
	n=$1
	p=$2
	shift 2
	awk -v u="$MOCK_URL$p" -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
	    printf "url = \"%s\"\noutput = \"/dev/null\"\n", u }' > "$T/burst.cfg"
	curl -s -K "$T/burst.cfg" -D "$T/burst.headers" -w '%{http_code}\n' \
	    "$@" > "$T/burst.codes"
}
nburst() { grep -c "^$1\$" "$T/burst.codes"; }
between() { [ "$2" -ge "$1" ] && [ "$2" -le "$3" ]; }

check "loa-mock is built" test -x "$MOCK"
if ! start_mock -z rt-initial; then
	fail "mock started"
	done_testing
	exit 1
fi
pass "mock listening at $MOCK_URL"
is "port file holds the port" "$MOCK_URL" "http://127.0.0.1:$(cat "$T/mock.port")"
is "counters start at zero" "$(mock_stat requests)" 0

# --- Zalo OAuth: the refresh token works once ---------------------------
zrefresh rt-wrong
is "refresh, unknown token: HTTP 200" "$MOCK_CODE" 200
is "refresh, unknown token: -14014" "$(jb .error)" -14014
is "refresh, unknown token: error_name" "$(jb .error_name)" "Invalid refresh token"
mock_call POST /v4/oa/access_token \
    --data "refresh_token=rt-initial&app_id=app1&grant_type=refresh_token"
is "refresh without secret_key: -14003" "$(jb .error)" -14003
mock_call POST /v4/oa/access_token -H "secret_key: sk1" \
    --data "refresh_token=rt-initial&app_id=app1&grant_type=client_credentials"
is "refresh, wrong grant_type: -14001" "$(jb .error)" -14001
zrefresh rt-initial
is "first refresh: HTTP 200" "$MOCK_CODE" 200
AT1=$(jb .access_token)
RT2=$(jb .refresh_token)
is "first refresh: expires_in is the string 90000" "$(jb '.expires_in | tostring + type')" 90000string
check "first refresh: a new access token" test ${#AT1} -ge 32
check "first refresh: a new refresh token" sh -c "[ ${#RT2} -ge 32 ] && [ '$RT2' != rt-initial ]"
zrefresh rt-initial
is "the initial refresh token works only once" "$(jb .error)" -14014
zrefresh "$RT2"
AT2=$(jb .access_token)
RT3=$(jb .refresh_token)
check "second refresh with the new token works" test -n "$AT2" -a "$AT2" != null
check "second refresh rotates again" test "$RT3" != "$RT2"
zrefresh "$RT2"
is "the second token works only once too" "$(jb .error)" -14014
is "state shows the one valid refresh token" "$(mock_state | jq -r .zalo_refresh_token)" "$RT3"
is "refreshes counted" "$(mock_stat refreshes)" 2
is "refresh errors counted" "$(mock_stat refresh_errors)" 5

# --- Zalo ZNS -----------------------------------------------------------
zsend not-a-token "$(zbody 84912000001 hk001a)"
is "ZNS, unknown access token: HTTP 200" "$MOCK_CODE" 200
is "ZNS, unknown access token: -124" "$(jb .error)" -124
is "ZNS, -124 message" "$(jb .message)" "Access token is invalid"
mock_call POST /message/template -H "$J" --data "$(zbody 84912000001 hk001a)"
is "ZNS without access_token header: -124" "$(jb .error)" -124
zsend "$AT1" "$(zbody 84912000001 hk001a)"
is "ZNS send: HTTP 200" "$MOCK_CODE" 200
is "ZNS send: error 0, Success" "$(jb '"\(.error) \(.message)"')" "0 Success"
MSG1=$(jb .data.msg_id)
check "ZNS send: msg_id" test -n "$MSG1" -a "$MSG1" != null
check "ZNS send: sent_time is a string of ms" sh -c "printf '%s' '$MOCK_BODY' | jq -e '.data.sent_time | test(\"^[0-9]{13}\$\")' >/dev/null"
is "ZNS send: quota as strings" "$(jb '.data.quota | "\(.dailyQuota|type) \(.remainingQuota|type)"')" "string string"
is "ZNS send: remaining quota went down" "$(jb '(.data.quota.dailyQuota|tonumber) - (.data.quota.remainingQuota|tonumber)')" 1
zsend "$AT2" "$(zbody 0912000002 hk002a)"
is "ZNS send with the second access token, national phone" "$(jb .error)" 0
check "msg_ids are unique" test "$(jb .data.msg_id)" != "$MSG1"
is "national phone recorded as 84..." "$(mock_count_to 84912000002)" 1
zsend "$AT1" "$(zbody 0912 x1)"
is "ZNS bad phone: -108" "$(jb .error)" -108
zsend "$AT1" '{"phone":"84912000001","template_data":{"a":"b"},"tracking_id":"x2"}'
is "ZNS no template_id: -109" "$(jb .error)" -109
zsend "$AT1" '{"phone":"84912000001","template_id":"1","template_data":{},"tracking_id":"x3"}'
is "ZNS empty template_data: -111" "$(jb .error)" -111
zsend "$AT1" '{"phone":"84912000001","template_id":"1","template_data":{"n":1},"tracking_id":"x4"}'
is "ZNS non-string template value: -112" "$(jb .error)" -112
zsend "$AT1" '{"phone":"84912000001","template_id":"1","template_data":{"n":"1"},"tracking_id":"not ok!"}'
is "ZNS bad tracking_id: -201" "$(jb .error)" -201
zsend "$AT1" 'not json'
is "ZNS body not JSON: -201" "$(jb .error)" -201
check "ZNS errors carry no data" sh -c "printf '%s' '$MOCK_BODY' | jq -e 'has(\"data\") | not' >/dev/null"
mock_config '{"zalo_codes":{"84912000007":-118,"84912000008":-114,"84912000009":-100}}'
zsend "$AT1" "$(zbody 84912000007 hk007)"
is "injected -118 (no Zalo account)" "$(jb .error)" -118
zsend "$AT1" "$(zbody 84912000008 hk008)"
is "injected -114" "$(jb .error)" -114
zsend "$AT1" "$(zbody 84912000009 hk009)"
is "injected -100" "$(jb .error)" -100
is "injected failures are not recorded" "$(mock_count_to 84912000007)" 0
mock_call GET /message/quota -H "access_token: $AT1"
is "quota: error 0" "$(jb .error)" 0
is "quota: used 2" "$(jb '(.data.dailyQuota|tonumber) - (.data.remainingQuota|tonumber)')" 2
mock_call GET /message/quota
is "quota without token: -124" "$(jb .error)" -124
mock_config '{"zalo_quota":2}'
zsend "$AT1" "$(zbody 84912000003 hk003)"
is "quota exhausted: -115" "$(jb .error)" -115
mock_config '{"zalo_quota":null,"expire_zalo_tokens":true}'
zsend "$AT1" "$(zbody 84912000001 hk001b)"
is "expired first access token: -124" "$(jb .error)" -124
zsend "$AT2" "$(zbody 84912000001 hk001b)"
is "expired second access token: -124" "$(jb .error)" -124
is "expire_zalo_tokens is one shot, not kept" "$(curl -s "$MOCK_URL/_mock/config" | jq -c .)" '{"zalo_codes":{"84912000007":-118,"84912000008":-114,"84912000009":-100}}'
zrefresh "$RT3"
AT3=$(jb .access_token)
zsend "$AT3" "$(zbody 84912000001 hk001b)"
is "after a refresh the new access token works" "$(jb .error)" 0
is "two ZNS messages to 84912000001 recorded" "$(mock_count_to 84912000001)" 2
line=$(mock_records | jq -c 'select(.provider == "zalo")' | head -1)
is "ZNS record" "$(printf '%s' "$line" | jq -c '{provider,to,id,text,template_id,data}')" \
    '{"provider":"zalo","to":"84912000001","id":"hk001a","text":null,"template_id":"231768","data":{"ten":"Lan","noi_dung":"Cat dien"}}'
is "ZNS record carries the msg_id" "$(printf '%s' "$line" | jq -r .provider_id)" "$MSG1"

# --- eSMS ---------------------------------------------------------------
esend "$(ebody 0912000011 req-11)"
is "eSMS send: HTTP 200" "$MOCK_CODE" 200
is "eSMS send: CodeResult \"100\"" "$(jb '.CodeResult | tostring + type')" 100string
is "eSMS send: CountRegenerate 0" "$(jb .CountRegenerate)" 0
SMS1=$(jb .SMSID)
check "eSMS send: SMSID" test -n "$SMS1" -a "$SMS1" != null
esend "$(ebody 0912000011 req-11)"
is "eSMS repeated RequestId: 124" "$(jb .CodeResult)" 124
is "eSMS 124 carries the first SMSID" "$(jb .SMSID)" "$SMS1"
is "eSMS duplicate counted" "$(mock_stat by_provider.esms.duplicates)" 1
is "eSMS duplicate not recorded again" "$(mock_count_to 84912000011)" 1
line=$(mock_records | jq -c 'select(.provider == "esms")' | head -1)
is "eSMS record" "$(printf '%s' "$line" | jq -c '{to,id,text,sender,provider_id}')" \
    '{"to":"84912000011","id":"req-11","text":"Xin chao 0912000011","sender":"UBND-HK","provider_id":"'"$SMS1"'"}'
mock_config '{"esms_api_key":"k-real"}'
esend "$(ebody 0912000012 req-12)"
is "eSMS wrong ApiKey: 101" "$(jb .CodeResult)" 101
mock_config '{"esms_api_key":null}'
esend "$(ebody 12345 req-12)"
is "eSMS bad phone: 108" "$(jb .CodeResult)" 108
esend '{"ApiKey":"k1","SecretKey":"s1","Phone":"0912000012","Content":"x","SmsType":"2","RequestId":"req-12"}'
is "eSMS no Brandname: 104" "$(jb .CodeResult)" 104
check "eSMS errors carry ErrorMessage" test -n "$(jb .ErrorMessage)"
esend '{"ApiKey":"k1"'
is "eSMS malformed JSON: 400" "$MOCK_CODE" 400
mock_config '{"esms_codes":{"84912000013":99,"84912000014":"177","84912000015":103}}'
esend "$(ebody 0912000013 req-13)"
is "eSMS injected 99" "$(jb '.CodeResult | tostring + type')" 99string
esend "$(ebody 84912000014 req-14)"
is "eSMS injected 177" "$(jb .CodeResult)" 177
esend "$(ebody 84912000015 req-15)"
is "eSMS injected 103" "$(jb .CodeResult)" 103
mock_config '{"esms_codes":null}'
esend "$(ebody 0912000013 req-13)"
is "a RequestId refused earlier is not a duplicate" "$(jb .CodeResult)" 100
esend "$(ebody 0912000016 req-16 1)"
is "eSMS Sandbox=1: 100" "$(jb .CodeResult)" 100
is "eSMS Sandbox is not recorded" "$(mock_count_to 84912000016)" 0
is "eSMS Sandbox counted" "$(mock_stat sandbox)" 1

# --- SpeedSMS -----------------------------------------------------------
SB='{"to":["84912000021"],"content":"Xin chao","sms_type":3,"sender":"UBND"}'
ssend --data "$SB"
is "SpeedSMS without auth: 401" "$MOCK_CODE" 401
ssend -u tok1:y --data "$SB"
is "SpeedSMS password other than x: 401" "$MOCK_CODE" 401
ssend -u tok1:x --data "$SB"
is "SpeedSMS send: HTTP 200" "$MOCK_CODE" 200
is "SpeedSMS send: success 00" "$(jb '"\(.status) \(.code)"')" "success 00"
is "SpeedSMS send: data" "$(jb '.data | "\(.tranId|type) \(.totalSMS) \(.totalPrice|type) \(.invalidPhone|length)"')" "number 1 number 0"
ssend -u tok1:x --data '{"to":["84912000022","0912000023","12"],"content":"Xin chao","sms_type":3,"sender":"UBND"}'
is "SpeedSMS two valid, one invalid" "$(jb '"\(.data.totalSMS) \(.data.invalidPhone|join(","))"')" "2 12"
is "SpeedSMS records each phone" "$(mock_count_to 84912000022)$(mock_count_to 84912000023)" 11
ssend -u tok1:x --data "{\"to\":[\"84912000024\"],\"content\":\"$(printf '%0161d' 0)\",\"sms_type\":3,\"sender\":\"UBND\"}"
is "SpeedSMS 161 GSM chars: 2 segments" "$(jb .data.totalSMS)" 2
ssend -u tok1:x --data '{"to":["12"],"content":"x","sms_type":3,"sender":"UBND"}'
is "SpeedSMS only bad phones: error 105" "$(jb '"\(.status) \(.code)"')" "error 105"
ssend -u tok1:x --data '{"to":["84912000025"],"sms_type":3,"sender":"UBND"}'
is "SpeedSMS no content: 101" "$(jb .code)" 101
ssend -u tok1:x --data '{"to":["84912000025"],"content":"x","sms_type":3}'
is "SpeedSMS brandname type without sender: 101" "$(jb .code)" 101
mock_config '{"speedsms_codes":{"84912000026":"300","84912000027":7}}'
ssend -u tok1:x --data '{"to":["84912000026"],"content":"x","sms_type":3,"sender":"UBND"}'
is "SpeedSMS injected 300" "$(jb '"\(.status) \(.code)"')" "error 300"
ssend -u tok1:x --data '{"to":["84912000027"],"content":"x","sms_type":3,"sender":"UBND"}'
is "SpeedSMS injected 007 (three digits)" "$(jb .code)" 007
mock_config '{"speedsms_codes":null,"rate_limit":{"speedsms":2}}'
burst 10 /index.php/sms/send -u tok1:x -H "$J" --data "$SB"
ok=$(nburst 200)
check "SpeedSMS rate limit 2/s: 2 to 4 of 10 pass ($ok)" between 2 "$ok" 4
is "SpeedSMS rate limit: the rest is 429" "$(nburst 429)" $((10 - ok))
check "SpeedSMS 429 carries X-Rate-Limit-Reset" grep -qi '^X-Rate-Limit-Reset: 1' "$T/burst.headers"
check "rate-limit 429 carries Retry-After" grep -qi '^Retry-After: 1' "$T/burst.headers"
mock_config '{"rate_limit":null}'

# --- Twilio -------------------------------------------------------------
TB="--data-urlencode To=+84912000031 --data-urlencode From=+15005550006"
tsend $TB --data-urlencode "Body=Xin chao"
is "Twilio without auth: 401" "$MOCK_CODE" 401
is "Twilio 401 code 20003" "$(jb .code)" 20003
tsend -u ACother:tok $TB --data-urlencode "Body=Xin chao"
is "Twilio user is not the AccountSid: 401" "$MOCK_CODE" 401
tsend -u "$SID:tok" $TB --data-urlencode "Body=Xin chao & tam biet"
is "Twilio send: 201" "$MOCK_CODE" 201
check "Twilio sid is SM + 32 hex" sh -c "printf '%s' '$MOCK_BODY' | jq -e '.sid | test(\"^SM[0-9a-f]{32}\$\")' >/dev/null"
is "Twilio send: echo" "$(jb '"\(.status) \(.to) \(.body) \(.account_sid)"')" "queued +84912000031 Xin chao & tam biet $SID"
is "Twilio record: E.164 without +, the body" "$(mock_records | jq -r 'select(.provider == "twilio") | "\(.to) \(.text)"')" "84912000031 Xin chao & tam biet"
tsend -u "$SID:tok" --data-urlencode To=+84912000032 --data-urlencode MessagingServiceSid=MG0123 --data-urlencode "Body=x"
is "Twilio with MessagingServiceSid: 201" "$MOCK_CODE" 201
tsend -u "$SID:tok" --data-urlencode From=+15005550006 --data-urlencode "Body=x"
is "Twilio no To: 400 21604" "$MOCK_CODE $(jb .code)" "400 21604"
tsend -u "$SID:tok" --data-urlencode To=+84912000032 --data-urlencode "Body=x"
is "Twilio no From: 400 21603" "$MOCK_CODE $(jb .code)" "400 21603"
tsend -u "$SID:tok" $TB
is "Twilio no Body: 400 21602" "$MOCK_CODE $(jb .code)" "400 21602"
tsend -u "$SID:tok" --data-urlencode To=0912000032 --data-urlencode From=+1500 --data-urlencode Body=x
is "Twilio To not E.164: 400 21211" "$MOCK_CODE $(jb .code)" "400 21211"
tsend -u "$SID:tok" -H "$J" --data '{"To":"+84912000032","From":"+1500","Body":"x"}'
is "Twilio JSON instead of a form: 400" "$MOCK_CODE" 400
mock_call POST /v4/oa/access_token -H "secret_key: sk1" -H "$J" --data '{"refresh_token":"x"}'
is "Zalo OAuth JSON instead of a form: -14001" "$(jb .error)" -14001
mock_config '{"twilio_auth_token":"secret","twilio_codes":{"84912000033":21610}}'
tsend -u "$SID:tok" $TB --data-urlencode "Body=x"
is "Twilio wrong auth token: 401" "$MOCK_CODE" 401
tsend -u "$SID:secret" --data-urlencode To=+84912000033 --data-urlencode From=+1500 --data-urlencode Body=x
is "Twilio injected 21610" "$MOCK_CODE $(jb .code)" "400 21610"
mock_config '{"twilio_auth_token":null,"twilio_codes":null}'

# --- generic ------------------------------------------------------------
gsend '{"to":"84912000041","text":"Xin chào","id":"gen-1","job":"j1","channel":"sms"}'
is "generic send: 200 ok" "$MOCK_CODE $(jb .ok)" "200 true"
GID=$(jb .message_id)
is "generic record keeps the other fields" "$(mock_records | jq -c 'select(.id == "gen-1") | [.text, .data]')" '["Xin chào",{"job":"j1","channel":"sms"}]'
gsend '{"to":"84912000041","text":"Xin chào","id":"gen-1"}'
is "generic repeated id: same message_id, duplicate" "$(jb '"\(.message_id) \(.duplicate)"')" "$GID true"
is "generic duplicate not recorded" "$(mock_count_to 84912000041)" 1
gsend '{"to":"+84 912000044","text":"x"}'
is "generic: a phone-like to is not normalized when it has spaces" "$(mock_records | jq -r 'select(.text == "x" and .provider == "generic") | .to' | tail -1)" "+84 912000044"
gsend '{"to":"0912000045","text":"x"}'
is "generic: a national phone is recorded as 84..." "$(mock_count_to 84912000045)" 1
gsend '{"text":"x"}'
is "generic without to: 400 bad_request" "$MOCK_CODE $(jb .ok) $(jb .error.code)" "400 false bad_request"
mock_config '{"generic_codes":{"84912000042":"blocked"},"generic_token":"t0k"}'
gsend '{"to":"84912000043","text":"x"}'
is "generic without bearer token: 401" "$MOCK_CODE" 401
mock_call POST /generic/send -H "$J" -H "Authorization: Bearer t0k" --data '{"to":"84912000042","text":"x"}'
is "generic injected code: 422" "$MOCK_CODE $(jb .error.code)" "422 blocked"
mock_config '{"generic_codes":null,"generic_token":null}'

# --- HTTP odds and ends -------------------------------------------------
mock_call GET /generic/send
is "GET on a POST endpoint: 405" "$MOCK_CODE" 405
mock_call GET /nowhere
is "unknown path: 404" "$MOCK_CODE" 404
head -c 70000 /dev/zero | tr '\0' a > "$T/big"
mock_call POST /generic/send -H "$J" --data-binary "@$T/big"
is "body over 64 KiB: 413" "$MOCK_CODE" 413

# --- stats and the record file ------------------------------------------
S=$(mock_stats)
is "requests = accepted + duplicates + sandbox + 5xx + 429 + dropped + errors" \
    "$(printf '%s' "$S" | jq '.requests - .accepted - .duplicates - .sandbox - .http_5xx - .http_429 - .dropped - .errors')" 0
is "providers add up" "$(printf '%s' "$S" | jq '([.by_provider[].requests] | add) == .requests')" true
is "one record line per message" "$(nrec)" "$(printf '%s' "$S" | jq .messages)"
is "every record line has the fields" "$(mock_records | jq -s 'all(has("ts_ms") and has("provider") and has("to") and has("id") and has("text") and has("template_id") and has("data"))')" true
before=$(nrec)
mock_reset
is "reset clears counters" "$(mock_stat requests)" 0
is "reset keeps the record file" "$(nrec)" "$before"
is "reset restores the -z refresh token" "$(mock_state | jq -r .zalo_refresh_token)" rt-initial
is "reset forgets RequestIds" "$(mock_state | jq -r .esms_request_ids)" 0

# --- failure injection: proportions, repeatability ----------------------
G='{"to":"84912000050","text":"x"}'
mock_config '{"seed":42,"fail_5xx":0.2,"fail_429":0.1}'
before=$(nrec)
burst 1000 /generic/send -H "$J" --data "$G"
n5=$(nburst 503)
n4=$(nburst 429)
n2=$(nburst 200)
check "about 20% 5xx of 1000 ($n5)" between 150 "$n5" 250
check "about 10% 429 of 1000 ($n4)" between 60 "$n4" 140
is "the rest accepted" "$((n2 + n4 + n5))" 1000
is "stats: http_5xx" "$(mock_stat http_5xx)" "$n5"
is "stats: http_429" "$(mock_stat http_429)" "$n4"
is "stats: accepted" "$(mock_stat accepted)" "$n2"
is "records: only the accepted" "$(($(nrec) - before))" "$n2"
cp "$T/burst.codes" "$T/run1.codes"
mock_reset
mock_config '{"seed":42,"fail_5xx":0.2,"fail_429":0.1}'
burst 1000 /generic/send -H "$J" --data "$G"
check "the same seed gives the same sequence" cmp -s "$T/run1.codes" "$T/burst.codes"
mock_config '{"seed":43}'
burst 1000 /generic/send -H "$J" --data "$G"
check "another seed, another sequence" sh -c "! cmp -s '$T/run1.codes' '$T/burst.codes'"

# --- Retry-After, 5xx codes ---------------------------------------------
mock_reset
mock_config '{"fail_429":1,"retry_after":"2"}'
gsend "$G"
is "429 with Retry-After seconds" "$MOCK_CODE $(hdr Retry-After)" "429 2"
is "generic 429 body" "$(jb .error.code)" rate_limited
tsend -u "$SID:tok" $TB --data-urlencode Body=x
is "Twilio 429 carries code 20429" "$MOCK_CODE $(jb .code)" "429 20429"
mock_config '{"retry_after":"date"}'
gsend "$G"
ra=$(hdr Retry-After)
check "Retry-After as an HTTP-date ($ra)" sh -c "echo '$ra' | grep -Eq '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT\$'"
d=$(( $(date -d "$ra" +%s) - $(date +%s) ))
check "the date is about 2 s ahead ($d)" between 1 "$d" 3
mock_config '{"retry_after":"99999999999999999999"}'
gsend "$G"
is "Retry-After of 20 digits, verbatim" "$MOCK_CODE $(hdr Retry-After)" "429 99999999999999999999"
ssend -u tok1:x --data "$SB"
is "SpeedSMS: X-Rate-Limit-Reset of 20 digits too" "$MOCK_CODE $(hdr X-Rate-Limit-Reset) $(hdr Retry-After)" \
    "429 99999999999999999999 99999999999999999999"
mock_config '{"retry_after":"007"}'
gsend "$G"
is "Retry-After digits as they are (007)" "$(hdr Retry-After)" 007
mock_config '{"retry_after":null}'
gsend "$G"
is "no retry_after: no Retry-After header" "$MOCK_CODE:$(hdr Retry-After)" "429:"
mock_config '{"fail_429":0,"fail_5xx":1,"code_5xx":502}'
gsend "$G"
is "fail_5xx with code_5xx 502" "$MOCK_CODE" 502
check "5xx bodies are HTML, like a proxy's" grep -qi '^Content-Type: text/html' "$T/mock.headers"

# --- down -----------------------------------------------------------------
mock_reset
mock_config '{"down":true,"retry_after":"5"}'
zsend "$AT3" "$(zbody 84912000001 d1)"
c1=$MOCK_CODE
esend "$(ebody 0912000011 down-1)"
c2=$MOCK_CODE
ssend -u tok1:x --data "$SB"
c3=$MOCK_CODE
tsend -u "$SID:tok" $TB --data-urlencode Body=x
c4=$MOCK_CODE
gsend "$G"
c5=$MOCK_CODE
zrefresh rt-initial
c6=$MOCK_CODE
mock_call GET /message/quota
is "down: every provider endpoint answers 503" "$c1 $c2 $c3 $c4 $c5 $c6 $MOCK_CODE" "503 503 503 503 503 503 503"
is "down: with the configured Retry-After" "$(hdr Retry-After)" 5
is "down: the control API still answers" "$(mock_stat http_5xx)" 5
mock_config '{"down":["zalo"]}'
zsend "$AT3" "$(zbody 84912000001 d2)"
c1=$MOCK_CODE
gsend "$G"
is "down for zalo only" "$c1 $MOCK_CODE" "503 200"
mock_config '{"down":false}'
zrefresh rt-initial
check "refresh token untouched while Zalo was down" test "$(jb .access_token)" != null

# --- late answers block nobody --------------------------------------------
mock_reset
mock_config '{"delay_ms":500}'
t=$(curl -s -o /dev/null -w '%{time_total}' -H "$J" --data "$G" "$MOCK_URL/generic/send")
check "delay_ms 500: the answer takes 0.5 s ($t)" awk -v t="$t" 'BEGIN { exit !(t >= 0.45) }'
start=$(date +%s%N)
pids=""
for i in 1 2 3 4 5 6; do
	curl -s -o "$T/par.$i" -w '%{http_code}' -H "$J" --data "$G" \
	    "$MOCK_URL/generic/send" > "$T/par.$i.code" &
	pids="$pids $!"
done
wait $pids
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "6 late requests at once finish together (${ms} ms)" test "$ms" -lt 1400
is "all 6 answered 200" "$(cat "$T"/par.*.code | tr -d '\n')" 200200200200200200
is "control API is never late" "$(curl -s -o /dev/null -w '%{time_total}' "$MOCK_URL/_mock/stats" | awk '{ print ($1 < 0.3) }')" 1

# --- drops ------------------------------------------------------------------
mock_reset
mock_config '{"drop":1}'
before=$(nrec)
gsend '{"to":"84912000060","text":"x","id":"drop-1"}'
is "drop: curl sees an empty reply" "$MOCK_RC $MOCK_CODE" "52 000"
is "drop: not recorded" "$(nrec)" "$before"
is "drop: counted" "$(mock_stat dropped)" 1
mock_config '{"drop":0,"drop_after":1}'
gsend '{"to":"84912000061","text":"x","id":"lost-1"}'
is "drop_after: curl sees an empty reply too" "$MOCK_RC $MOCK_CODE" "52 000"
is "drop_after: but the message was accepted" "$(mock_count_to 84912000061)" 1
is "drop_after: counted" "$(mock_stat accepted) $(mock_stat lost_answers)" "1 1"
mock_config '{"drop_after":0}'
gsend '{"to":"84912000061","text":"x","id":"lost-1"}'
is "the retry of a lost answer is a duplicate" "$(jb .duplicate)" true
is "with the first message_id" "$(jb .message_id)" "$(mock_records | jq -r 'select(.id == "lost-1") | .provider_id')"
mock_config '{"drop":1,"delay_ms":300}'
t=$(curl -s -o /dev/null -w '%{time_total}' -H "$J" --data "$G" "$MOCK_URL/generic/send")
check "a late drop closes after the delay ($t)" awk -v t="$t" 'BEGIN { exit !(t >= 0.25) }'

# --- answers garbled after acceptance ------------------------------------------
# The provider took the message (it is recorded), only the answer is bad:
# whoever sent it cannot tell, and a resend is a maybe_duplicate.
mock_reset
mock_config '{"bad_200":1}'
gsend '{"to":"84912000070","text":"x","id":"bad-1"}'
is "bad_200: HTTP 200" "$MOCK_RC $MOCK_CODE" "0 200"
is "bad_200: text/html" "$(hdr Content-Type)" text/html
is "bad_200: a proxy's error page" "$MOCK_BODY" \
    "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
is "bad_200: but the message was recorded" "$(mock_count_to 84912000070)" 1
is "bad_200: accepted, a bad answer" "$(mock_stat accepted) $(mock_stat bad_answers) $(mock_stat by_provider.generic.bad_answers)" "1 1 1"
mock_config '{"bad_200":0}'
gsend '{"to":"84912000070","text":"x","id":"bad-1"}'
is "bad_200: the resend is a duplicate" "$(jb .duplicate)" true
mock_config '{"empty_200":1}'
esend "$(ebody 0912000071 empty-1)"
is "empty_200: HTTP 200" "$MOCK_RC $MOCK_CODE" "0 200"
is "empty_200: Content-Length 0, no body" "$(hdr Content-Length):$MOCK_BODY" "0:"
is "empty_200: recorded" "$(mock_count_to 84912000071)" 1
is "empty_200: counted for eSMS" "$(mock_stat by_provider.esms.accepted) $(mock_stat by_provider.esms.bad_answers)" "1 1"
mock_config '{"empty_200":0}'
esend "$(ebody 0912000071 empty-1)"
is "empty_200: the resend gets eSMS 124" "$(jb .CodeResult)" 124
mock_config '{"truncated":1}'
ssend -u tok1:x --data '{"to":["84912000072"],"content":"Xin chao","sms_type":3,"sender":"UBND"}'
is "truncated: HTTP 200, curl: partial file (18)" "$MOCK_RC $MOCK_CODE" "18 200"
cl=$(hdr Content-Length)
check "truncated: less than the announced $cl bytes came (${#MOCK_BODY})" \
    sh -c "[ ${#MOCK_BODY} -gt 0 ] && [ ${#MOCK_BODY} -lt $cl ]"
is "truncated: the start of the real answer" "$(printf '%s' "$MOCK_BODY" | cut -c1-20)" '{"status":"success",'
is "truncated: recorded" "$(mock_count_to 84912000072)" 1
is "truncated: counted for SpeedSMS" "$(mock_stat by_provider.speedsms.accepted) $(mock_stat by_provider.speedsms.bad_answers)" "1 1"
mock_config '{"truncated":1,"delay_ms":300}'
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "$J" \
    --data '{"to":"84912000073","text":"x"}' "$MOCK_URL/generic/send")
rc=$?
check "truncated and late: cut short after the delay ($rc $t)" \
    awk -v rc="$rc" -v t="$t" 'BEGIN { split(t, a, " "); exit !(rc == 18 && a[1] == 200 && a[2] >= 0.25) }'
is "truncated and late: recorded" "$(mock_count_to 84912000073)" 1
mock_config '{"truncated":0,"delay_ms":null,"huge_200":1}'
tsend -u "$SID:tok" --data-urlencode To=+84912000074 --data-urlencode From=+1500 --data-urlencode Body=x
is "huge_200: HTTP 200 (not Twilio's 201)" "$MOCK_RC $MOCK_CODE" "0 200"
n=$(wc -c < "$T/mock.body")
check "huge_200: a body over 64 KiB ($n bytes)" test "$n" -gt 65536
is "huge_200: as many bytes as announced" "$(hdr Content-Length)" "$n"
is "huge_200: still the real answer, as JSON" "$(jq -r '"\(.sid | test("^SM[0-9a-f]{32}$")) \(.status) \(.to) \(._mock_padding | length)"' "$T/mock.body")" \
    "true queued +84912000074 102400"
is "huge_200: recorded" "$(mock_count_to 84912000074)" 1
is "huge_200: counted for Twilio" "$(mock_stat by_provider.twilio.accepted) $(mock_stat by_provider.twilio.bad_answers)" "1 1"
mock_config '{"huge_200":0,"esms_codes":{"84912000075":"99"}}'
mock_config '{"huge_200":1}'
esend "$(ebody 0912000075 huge-err)"
is "huge_200 garbles an error answer too, not recorded" "$MOCK_CODE $(jq -r .CodeResult "$T/mock.body") $(mock_count_to 84912000075)" "200 99 0"
is "the error is counted as an error and a bad answer" "$(mock_stat by_provider.esms.errors) $(mock_stat by_provider.esms.bad_answers)" "1 2"
S=$(mock_stats)
is "garbled answers: requests still add up" \
    "$(printf '%s' "$S" | jq '.requests - .accepted - .duplicates - .sandbox - .http_5xx - .http_429 - .dropped - .errors')" 0
is "garbled answers: bad_answers by provider add up" "$(printf '%s' "$S" | jq '([.by_provider[].bad_answers] | add) == .bad_answers')" true
# All four kinds over kept-alive connections (curl opens another after
# each cut): every message recorded, about 10% of each.
mock_reset
mock_config '{"seed":5,"bad_200":0.1,"empty_200":0.1,"truncated":0.1,"huge_200":0.1}'
before=$(nrec)
burst 400 /generic/send -H "$J" --data "$G" -w '%{http_code} %{size_download} %{content_type}\n'
is "garbled mix: every answer is a 200" "$(grep -c '^200 ' "$T/burst.codes")" 400
is "garbled mix: every message recorded" "$(($(nrec) - before)) $(mock_stat accepted)" "400 400"
nb=$(mock_stat bad_answers)
check "garbled mix: about 40% bad answers ($nb)" between 120 "$nb" 200
nh=$(grep -c ' text/html$' "$T/burst.codes")
ne=$(grep -c '^200 0 ' "$T/burst.codes")
nu=$(awk '$2 > 65536' "$T/burst.codes" | wc -l)
check "garbled mix: HTML $nh, empty $ne, huge $nu, each about 40" sh -c \
    "[ $nh -ge 20 ] && [ $nh -le 65 ] && [ $ne -ge 20 ] && [ $ne -le 65 ] && [ $nu -ge 20 ] && [ $nu -le 65 ]"
check "garbled mix: the rest were cut short ($((nb - nh - ne - nu)))" between 20 $((nb - nh - ne - nu)) 65
check "garbled mix: the mock still answers" test "$(mock_stat requests)" -eq 400

# --- slow answers -------------------------------------------------------------
mock_reset
mock_config '{"seed":9,"slow":1,"slow_ms":400}'
: > "$T/slow.times"
for i in 1 2 3 4 5 6; do
	curl -s -o /dev/null -w '%{time_total}\n' -H "$J" --data "$G" \
	    "$MOCK_URL/generic/send" >> "$T/slow.times"
done
mx=$(sort -n "$T/slow.times" | tail -1)
check "slow_ms 400: no answer takes much over 0.4 s (max $mx)" awk -v t="$mx" 'BEGIN { exit !(t < 0.9) }'
check "slow_ms 400: some take a while (max $mx)" awk -v t="$mx" 'BEGIN { exit !(t >= 0.05) }'
is "slow: counted" "$(mock_stat slow) $(mock_stat by_provider.generic.slow)" "6 6"
mock_config '{"slow_ms":0,"fail_429":1}'
gsend "$G"
is "slow makes any answer slow (a 429 too)" "$MOCK_CODE $(mock_stat slow)" "429 7"
mock_config '{"slow_ms":300,"fail_429":0,"slow":1,"delay_ms":300}'
t=$(curl -s -o /dev/null -w '%{time_total}' -H "$J" --data "$G" "$MOCK_URL/generic/send")
check "slow adds to delay_ms ($t)" awk -v t="$t" 'BEGIN { exit !(t >= 0.25 && t < 1.2) }'
# slow draws apart: the same seed fails the same requests with slow on.
mock_reset
mock_config '{"seed":42,"fail_5xx":0.2,"fail_429":0.1,"slow":0.5,"slow_ms":0}'
burst 1000 /generic/send -H "$J" --data "$G"
check "slow does not change a seed's outcomes" cmp -s "$T/run1.codes" "$T/burst.codes"
ns=$(mock_stat slow)
check "slow 0.5: about half of 1000 ($ns)" between 420 "$ns" 580
mock_reset
mock_config '{"seed":42,"fail_5xx":0.2,"fail_429":0.1,"slow":0.5,"slow_ms":0}'
burst 1000 /generic/send -H "$J" --data "$G"
is "slow: the same seed, the same count" "$(mock_stat slow)" "$ns"

# --- config checks ----------------------------------------------------------
mock_reset
mock_config '{"fail_5xx":1,"slow":1}'
is "slow is in no sum: fail_5xx 1 with slow 1 accepted" "$(curl -s "$MOCK_URL/_mock/config" | jq -c '[.fail_5xx, .slow]')" "[1,1]"
mock_reset
mock_config '{"fail_5xx":0.2,"fail_429":0.4,"drop":0.3,"huge_200":0.1}'
is "a sum of 1 that floating point puts a hair above is accepted" "$(curl -s "$MOCK_URL/_mock/config" | jq -c .huge_200)" 0.1
mock_reset
mock_config '{"fail_5xx":0.1}'
cfg=$(curl -s "$MOCK_URL/_mock/config")
for bad in '{"nope":1}' '{"fail_5xx":1.5}' '{"fail_5xx":0.6,"fail_429":0.6}' \
    '{"zalo_codes":{"84912000001":118}}' '{"esms_codes":{"84912000001":"100"}}' \
    '{"down":["nokia"]}' '{"retry_after":"soon"}' '[1]' \
    '{"bad_200":0.5,"empty_200":0.3,"truncated":0.3}' '{"huge_200":0.95}' \
    '{"drop_after":0.5,"truncated":0.5}' '{"bad_200":-0.1}' '{"empty_200":"1"}' \
    '{"slow":1.5}' '{"slow_ms":60001}' '{"slow_ms":0.5}' \
    '{"retry_after":"123456789012345678901"}' '{"retry_after":"12a"}' \
    '{"retry_after":""}'; do
	mock_call POST /_mock/config -H "$J" --data "$bad"
	is "config $bad refused" "$MOCK_CODE" 400
done
is "a refused config changes nothing" "$(curl -s "$MOCK_URL/_mock/config")" "$cfg"
check "refusals say why" test -n "$(jb .error)"

# --- start-up config, signals -----------------------------------------------
stop_mock
is "SIGTERM: exit 0" "$?" 0
start_mock -c '{"down":["esms"],"seed":7}' || fail "mock restarted"
esend "$(ebody 0912000011 c-1)"
is "-c config applies from the start" "$MOCK_CODE" 503
pid=$(cat "$T/mock.pid")
kill -INT "$pid"
wait "$pid"
is "SIGINT: exit 0" "$?" 0
rm -f "$T/mock.pid"
"$MOCK" -c '{"fail_5xx":2}' >/dev/null 2>&1
is "bad -c config: exit 1" "$?" 1
"$MOCK" -x >/dev/null 2>&1
is "bad usage: exit 2" "$?" 2

done_testing
