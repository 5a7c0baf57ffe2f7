#!/bin/sh
# t_proxy.sh -- the proxy settings of the environment, which loa reads
# once at start (libcurl's rules): with http_proxy pointing at a closed
# port nothing reaches the provider and the attempts wait to be retried;
# with the provider's host in no_proxy the messages go direct.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
start_mock || exit 1
ESMS="$(esms_section)
max_attempts = 20
timeout = 2s"

write_base_conf a "$ESMS"
export http_proxy=http://127.0.0.1:1
start_loa a || exit 1
unset http_proxy
gen_job px 3
submit "$T/px.json" >/dev/null
wait_for 15 "an attempt failed" grep -q '"status":"retry"' "$T/a.delivery.log"
check "attempts through the closed proxy failed" grep -q '"status":"retry"' "$T/a.delivery.log"
is "nothing reached the provider" "$(mock_stat requests)" 0
stop_loa a

write_base_conf b "$ESMS"
export http_proxy=http://127.0.0.1:1 no_proxy=127.0.0.1
start_loa b || exit 1
unset http_proxy no_proxy
wait_for 30 "px done" state_is px done
is "with the host in no_proxy, all sent" "$(job_field px sent)" 3
is "the provider got each once" "$(mock_records | jq -r .to | sort | uniq | wc -l) $(mock_records | wc -l)" "3 3"
stop_loa b
done_testing
