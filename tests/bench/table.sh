#!/bin/sh
# table.sh RESULTS.jsonl -- the benchmark's figures as a table, with the
# targets of issue 7 beside them.
set -u
f=$1
jq -r -s '
  def r1: (. * 10 | round) / 10;
  def mib: (. / 1024 | r1);
  def ok(c): if c then "met" else "NOT met" end;
  (map(select(.part == "machine")) | .[0]) as $m |
  (if $m then
    "machine: \($m.cores) cores, \($m.cpu); kernel \($m.kernel); redis \($m.redis); plugin \($m.plugin); revision \($m.revision)\(if $m.loa_built then " (loa built \($m.loa_built))" else "" end); load at start \($m.loadavg_at_start)\(if $m.started then "; started \($m.started)" else "" end)"
  else empty end),
  "",
  "| figure | value | target |",
  "|---|---|---|",
  (map(select(.part == "throughput"))[] |
    "| throughput, N=\(.n) | \(.msgs_per_s) msg/s (\(.ms) ms; other load \(.other_cpu_s) CPU s) | >= 15000 msg/s: \(ok(.msgs_per_s >= 15000)) |",
    "| CPU per 10,000 msgs, N=\(.n) | daemon \(.cpu_s_per_10k.daemon) s, redis \(.cpu_s_per_10k.redis) s (mock \(.cpu_s_per_10k.mock) s) | |",
    "| memory, N=\(.n) | daemon peak RSS \(.daemon_peak_rss_kib | mib) MiB; redis peak \(.redis_used_memory_peak / 1048576 | r1) MiB (directory \(.redis_used_memory_directory / 1048576 | r1) MiB) | daemon <= 64 MiB: \(ok(.daemon_peak_rss_kib <= 65536)) |"),
  (map(select(.part == "ceiling"))[] |
    "| mock ceiling (wrk, \(.connections) connections) | \(.mock_requests_per_s) req/s; loa at \(if .loa_fraction then (.loa_fraction * 100 | r1 | tostring) + " %" else "-" end) of it | |"),
  (map(select(.part == "urgent"))[] |
    "| urgent latency (\(.tries) tries of 10 under a \(.bulk) bulk) | p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, max \(.max_ms) ms (whole job p99 \(.job_p99_ms) ms); \(.messages_while_bulk_in_flight)/\(.messages) with the bulk in flight | p99 <= 250 ms: \(ok(.p99_ms <= 250)) |"),
  (map(select(.part == "rate"))[] |
    "| rate accuracy (\(.configured_per_s)/s, \(.messages) msgs) | \(.achieved_per_s)/s (\(.error_pct) %), busiest second \(.busiest_second), \(.http_429) x 429, \(.retries) retries | within 2 %, no 429: \(ok((.error_pct | fabs) <= 2 and .http_429 == 0)) |"),
  (map(select(.part == "faults"))[] |
    def run: "\(.msgs_per_s // "-") msg/s (last accepted at \(.ms_to_last_accepted) ms; done at \(if .done_ms then "\(.done_ms) ms, \(.msgs_per_s_to_done) msg/s" else "- (not done)" end)); \(.http_5xx) x 5xx, \(.http_429) x 429, \(.retries) retries (most attempts \(.max_attempt)); \(.sent) sent, \(.failed) failed; other load \(.other_cpu_s) CPU s";
    "| faults, clean (\(.daemons) daemons, N=\(.n)) | \(.clean | run) | |",
    "| faults, \((.mock.fail_5xx // 0) * 100 | r1) % 5xx + \((.mock.fail_429 // 0) * 100 | r1) % 429 (\(if .mock.retry_after != null then "Retry-After \(.mock.retry_after) s" else "no Retry-After" end); max_attempts \(.max_attempts)) | \(.faulty | run) | |",
    "| faults: faulty / clean | \(if .ratio then (.ratio * 100 | r1 | tostring) + " %" else "-" end) (to done: \(if .ratio_to_done then (.ratio_to_done * 100 | r1 | tostring) + " %" else "-" end)) | >= 60 %: \(ok(.ratio != null and .ratio >= 0.6 and .ratio_to_done != null and .ratio_to_done >= 0.6)) |"),
  (map(select(.part == "urgent_lowrate"))[] |
    .rate_per_s as $rate |
    "| urgent latency at \(.rate_per_s)/s (\(.tries) tries of 1 under a \(.bulk) bulk) | p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, max \(.max_ms) ms; \(.messages_while_bulk_in_flight)/\(.messages) with the bulk in flight; \(.http_429) x 429, \(.retries) retries; other load \(.other_cpu_s // "-") CPU s | p99 <= 250 ms: \(ok(.p99_ms != null and .p99_ms <= 250)) |",
    (.fairness | "| fairness at \($rate)/s: \(.small) after \(.big), \(.small_after_ms) ms later | small job done at \(.small_done_ms // "-") ms (last message \(.small_last_message_ms // "-") ms); \(.big_sent_while_small_waited) big-job messages went out meanwhile (\(.big_sent_before_small_done) in all before it finished, \(.big_sent_before_small_enqueued) before it was enqueued) | not held behind the big job (<= 1 s of it meanwhile): \(ok(.small_done_ms != null and .big_sent_while_small_waited <= $rate)) |"))
' "$f"
