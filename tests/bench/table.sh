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
    "machine: \($m.cores) cores, \($m.cpu); kernel \($m.kernel); redis \($m.redis); plugin \($m.plugin); revision \($m.revision); load at start \($m.loadavg_at_start)"
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
    "| rate accuracy (\(.configured_per_s)/s, \(.messages) msgs) | \(.achieved_per_s)/s (\(.error_pct) %), busiest second \(.busiest_second), \(.http_429) x 429, \(.retries) retries | within 2 %, no 429: \(ok((.error_pct | fabs) <= 2 and .http_429 == 0)) |")
' "$f"
