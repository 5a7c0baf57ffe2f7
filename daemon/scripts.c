/*
 * scripts.c -- the Lua scripts that keep Redis consistent.
 *
 * Every multi-key change that must happen together is one script, so that
 * a crash or a lost connection leaves either all of it or none:
 *
 *   accept   a valid job: job hash, spec, work chunks, event, ack of the
 *            ingest entry; a known id is a no-op (duplicate).
 *   reject   an invalid job: dead letter, job state, event, ack.
 *   resolve  which wards an audience reaches, with names and districts.
 *   gate     before sending a chunk: is the chunk still ours, what is the
 *            job's state, which items already have an outcome; marks the
 *            others as in flight ("~") so a crash can be recognised; the
 *            residents' directory entries and opt-outs.
 *   expand   one step of an audience job's expansion from the directory.
 *   record   a batch of outcomes, events, chunk acks and hand-backs.
 *   promote  scheduled jobs whose send_at has come.
 *
 * Scripts are sent with EVAL (Redis caches them by hash), so a restarted
 * or flushed Redis never answers NOSCRIPT.  Keys are built from the prefix
 * inside the scripts; with a Redis Cluster hash-tag prefix ("{loa}:") they
 * all live in one slot.
 */
#include "loa.h"

/*
 * Lua shared by several scripts (prepended to them).
 *
 * start(): turn an accepted job into work: its first expansion entry
 * (fields job, expand, w, cur), which makes work entries step by step.
 * done_check(): a job whose final outcomes add up to its total (and that
 * is no longer expanding) becomes done, says so in loa:events, and starts
 * to expire.
 * many(): one command on a key with a long argument list, in slices that
 * Lua's unpack() can take; array replies are joined.
 */
#define LUA_PRELUDE \
"local function start(p, jk, id, prio, total, chunk)\n" \
"  redis.call('HSET', jk, 'state', total < 0 and 'expanding' or 'sending',\n" \
"    'expanded', 0, 'queued', 0)\n" \
"  redis.call('XADD', p .. 'work:' .. prio, '*', 'job', id, 'expand', 1, 'w', 0, 'cur', 0)\n" \
"end\n" \
"local function done_check(p, job, now, maxlen, ret)\n" \
"  local jk = p .. 'job:' .. job\n" \
"  local v = redis.call('HMGET', jk, 'total', 'sent', 'failed', 'skipped',\n" \
"    'expired', 'cancelled', 'state', 'expanded')\n" \
"  local fin = 0\n" \
"  for k = 2, 6 do fin = fin + (tonumber(v[k]) or 0) end\n" \
"  if v[7] ~= 'sending' or v[8] ~= '1' or fin < (tonumber(v[1]) or 0) then return end\n" \
"  redis.call('HSET', jk, 'state', 'done', 'finished_at', now)\n" \
"  redis.call('XADD', p .. 'events', 'MAXLEN', '~', maxlen, '*', 'event',\n" \
"    cjson.encode({ts = now, job = job, state = 'done', total = tonumber(v[1]),\n" \
"      sent = tonumber(v[2]) or 0, failed = tonumber(v[3]) or 0,\n" \
"      skipped = tonumber(v[4]) or 0, expired = tonumber(v[5]) or 0,\n" \
"      cancelled = tonumber(v[6]) or 0}))\n" \
"  for _, k in ipairs({jk, jk .. ':out', jk .. ':spec', jk .. ':wards', jk .. ':phones'}) do\n" \
"    redis.call('PEXPIRE', k, ret)\n" \
"  end\n" \
"end\n" \
"local function many(cmd, key, args)\n" \
"  local out = {}\n" \
"  for s = 1, #args, 1000 do\n" \
"    local r = redis.call(cmd, key, unpack(args, s, math.min(s + 999, #args)))\n" \
"    if type(r) == 'table' then for _, x in ipairs(r) do out[#out + 1] = x end end\n" \
"  end\n" \
"  return out\n" \
"end\n" \
"local function owned(stream, eid, me)\n" \
"  local pend = redis.call('XPENDING', stream, 'loa', eid, eid, 1)\n" \
"  if #pend == 0 or pend[1][2] ~= me then return false end\n" \
"  redis.call('XCLAIM', stream, 'loa', me, 0, eid, 'JUSTID')\n" \
"  return true\n" \
"end\n"

/*
 * ARGV: prefix stream eid id spec total now_iso prio chunk maxlen event
 *       send_at_ms retention_ms wards_json
 * total -1: an audience job, expanded from the directory.
 */
const char loa_script_accept[] = LUA_PRELUDE
"local p, stream, eid, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
"local total, now, prio = tonumber(ARGV[6]), ARGV[7], ARGV[8]\n"
"local chunk, maxlen, sendat = tonumber(ARGV[9]), ARGV[10], tonumber(ARGV[12])\n"
"local jk = p .. 'job:' .. id\n"
"local st = redis.call('HGET', jk, 'state')\n"
"local res = 'accepted'\n"
"if st and st ~= 'rejected' then\n"
"  res = 'duplicate'\n"
"else\n"
"  if st then redis.call('DEL', jk, jk .. ':out', jk .. ':phones') end\n"
"  redis.call('HSET', jk, 'total', math.max(total, 0), 'sent', 0,\n"
"    'delivered', 0, 'failed', 0, 'skipped', 0, 'expired', 0,\n"
"    'cancelled', 0, 'created_at', now, 'priority', prio, 'entry', eid)\n"
"  redis.call('SET', jk .. ':spec', ARGV[5])\n"
"  redis.call('SET', jk .. ':wards', ARGV[14])\n"
"  if total < 0 then redis.call('HSET', jk, 'audience', 1) end\n"
"  if sendat > 0 then\n"
"    redis.call('HSET', jk, 'state', 'scheduled')\n"
"    redis.call('ZADD', p .. 'schedule', sendat, id)\n"
"    res = 'scheduled'\n"
"  else\n"
"    start(p, jk, id, prio, total, chunk)\n"
"  end\n"
"  redis.call('XADD', p .. 'events', 'MAXLEN', '~', maxlen, '*', 'event', ARGV[11])\n"
"end\n"
"redis.call('XACK', stream, 'loa', eid)\n"
"redis.call('XDEL', stream, eid)\n"
"return res\n";

/* ARGV: prefix stream eid id raw error now_iso maxlen event retention_ms */
const char loa_script_reject[] =
"local p, stream, eid, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
"if id ~= '' then\n"
"  local jk = p .. 'job:' .. id\n"
"  local st = redis.call('HGET', jk, 'state')\n"
"  if (not st) or st == 'rejected' then\n"
"    redis.call('HSET', jk, 'state', 'rejected', 'error', ARGV[6],\n"
"      'created_at', ARGV[7], 'finished_at', ARGV[7], 'total', 0)\n"
"    redis.call('PEXPIRE', jk, ARGV[10])\n"
"  end\n"
"end\n"
"redis.call('XADD', p .. 'dead', '*', 'job', ARGV[5], 'error', ARGV[6],\n"
"  'id', id, 'entry', eid, 'ts', ARGV[7])\n"
"redis.call('XADD', p .. 'events', 'MAXLEN', '~', ARGV[8], '*', 'event', ARGV[9])\n"
"redis.call('XACK', stream, 'loa', eid)\n"
"redis.call('XDEL', stream, eid)\n"
"return 1\n";

/*
 * Which wards a job reaches.  ARGV: prefix kind names...; kind "wards"
 * (codes of an audience), "districts", "all", or "codes" (the wards named
 * by explicit recipients: unknown ones are no error).  Returns
 * {missing names, JSON [[code, name, district], ...], directory columns}.
 */
const char loa_script_resolve[] =
"local p, kind = ARGV[1], ARGV[2]\n"
"local out, missing = {}, {}\n"
"if kind == 'wards' or kind == 'codes' then\n"
"  local seen = {}\n"
"  for i = 3, #ARGV do\n"
"    local c = ARGV[i]\n"
"    if not seen[c] then\n"
"      seen[c] = true\n"
"      local h = redis.call('HMGET', p .. 'ward:' .. c, 'name', 'district')\n"
"      if h[1] then out[#out + 1] = {c, h[1], h[2] or ''}\n"
"      else missing[#missing + 1] = c end\n"
"    end\n"
"  end\n"
"else\n"
"  local want, found = {}, {}\n"
"  for i = 3, #ARGV do want[ARGV[i]] = true end\n"
"  local codes = redis.call('SMEMBERS', p .. 'wards')\n"
"  table.sort(codes)\n"
"  for _, c in ipairs(codes) do\n"
"    local h = redis.call('HMGET', p .. 'ward:' .. c, 'name', 'district')\n"
"    if h[1] and (kind == 'all' or want[h[2] or '']) then\n"
"      out[#out + 1] = {c, h[1], h[2] or ''}\n"
"      found[h[2] or ''] = true\n"
"    end\n"
"  end\n"
"  if kind == 'districts' then\n"
"    for i = 3, #ARGV do\n"
"      if not found[ARGV[i]] then missing[#missing + 1] = ARGV[i] end\n"
"    end\n"
"  end\n"
"end\n"
"return {missing, cjson.encode(out), redis.call('SMEMBERS', p .. 'directory:columns')}\n";

/*
 * Before sending a chunk: is it still ours, what is the job's state, and
 * for each item its outcome so far; items without one are marked in
 * flight ("~").  ARGV: prefix stream eid consumer job mode items...
 * mode "i": items are pairs (key, normalized phone or "") of explicit
 * recipients; mode "d": items are resident ids, whose hashes come back.
 * Returns {'lost'} or {state, {outcome, flags[, fields]}...}; flags: "o"
 * opted out (loa:optout), "d" phone already used by another resident of
 * the job.
 */
const char loa_script_gate[] = LUA_PRELUDE
"local p, stream, eid, me, job, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]\n"
"if not owned(stream, eid, me) then return {'lost'} end\n"
"local jk = p .. 'job:' .. job\n"
"local state = redis.call('HGET', jk, 'state') or ''\n"
"local live = state == 'sending' or state == 'expanding'\n"
"local res = { state }\n"
"local step = mode == 'i' and 2 or 1\n"
"local items, rows, mark, ask, askn = {}, {}, {}, {}, {}\n"
"for i = 7, #ARGV, step do items[#items + 1] = ARGV[i] end\n"
"local outs = many('HMGET', jk .. ':out', items)\n"
"for n, it in ipairs(items) do\n"
"  local v = outs[n]\n"
"  if (not v) or v == '.' then\n"
"    v = ''\n"
"    if live then mark[#mark + 1] = it; mark[#mark + 1] = '~' end\n"
"  end\n"
"  local flags, f, ph = '', nil, nil\n"
"  if mode == 'i' then\n"
"    ph = ARGV[6 + 2 * n]\n"
"  else\n"
"    f = redis.call('HGETALL', p .. 'resident:' .. it)\n"
"    for k = 1, #f, 2 do if f[k] == 'phone' then ph = f[k + 1] end end\n"
"  end\n"
"  if live and (v == '' or v == '~') and ph and ph ~= '' then\n"
"    ask[#ask + 1] = ph\n"
"    askn[#askn + 1] = n\n"
"    if mode == 'd' and redis.call('HSETNX', jk .. ':phones', ph, it) == 0 and\n"
"        redis.call('HGET', jk .. ':phones', ph) ~= it then flags = 'd' end\n"
"  end\n"
"  rows[n] = {v, flags, f}\n"
"end\n"
"many('HSET', jk .. ':out', mark)\n"
"local o = many('SMISMEMBER', p .. 'optout', ask)\n"
"for k, n in ipairs(askn) do\n"
"  if o[k] == 1 then rows[n][2] = 'o' .. rows[n][2] end\n"
"end\n"
"for n, r in ipairs(rows) do\n"
"  if r[3] then res[n + 1] = r else res[n + 1] = {r[1], r[2]} end\n"
"end\n"
"return res\n";

/*
 * One expansion step of a job: up to `batch` recipients become work
 * entries of up to `chunk` each, and the next step is queued, atomically
 * with the ack of this one.  Explicit recipients: indexes from `cur` on.
 * Audiences: residents of ward `w` (SSCAN from cursor `cur`); a resident
 * already queued for the job (SSCAN may return one twice) is not queued
 * again.  While the job has max_ahead entries or
 * more waiting, nothing is done ("wait"): expansion runs ahead of sending
 * by a bounded amount.
 * An SSCAN cursor means something only to the server that gave it: each
 * step's entry carries that server's run_id, and a step that finds
 * another (Redis restarted, or a replica took over) scans the ward again
 * from its start; the residents already queued are skipped as always.
 * ARGV: prefix stream eid consumer job w cur batch chunk max_ahead maxlen
 *       now_iso retention_ms run_id
 */
const char loa_script_expand[] = LUA_PRELUDE
"local p, stream, eid, me, job = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]\n"
"local w, cur, batch = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])\n"
"local chunk, ahead = tonumber(ARGV[9]), tonumber(ARGV[10])\n"
"if not owned(stream, eid, me) then return 'lost' end\n"
"local jk = p .. 'job:' .. job\n"
"local v = redis.call('HMGET', jk, 'state', 'queued', 'audience', 'total')\n"
"local audience = v[3] == '1'\n"
"if v[1] ~= (audience and 'expanding' or 'sending') then\n"
"  redis.call('XACK', stream, 'loa', eid)\n"
"  redis.call('XDEL', stream, eid)\n"
"  return 'stop'\n"
"end\n"
"if (tonumber(v[2]) or 0) >= ahead then return 'wait' end\n"
"local finished = false\n"
"if not audience then\n"
"  -- explicit recipients: entries [from, to) from index cur on\n"
"  local total, from = tonumber(v[4]) or 0, tonumber(cur) or 0\n"
"  local upto = math.min(from + batch, total)\n"
"  for s = from, upto - 1, chunk do\n"
"    redis.call('XADD', stream, '*', 'job', job, 'from', s,\n"
"      'to', math.min(s + chunk, upto))\n"
"    redis.call('HINCRBY', jk, 'queued', 1)\n"
"  end\n"
"  redis.call('HSET', jk, 'queued_upto', upto)\n"
"  if upto >= total then finished = true\n"
"  else redis.call('XADD', stream, '*', 'job', job, 'expand', 1, 'w', 0, 'cur', upto) end\n"
"else\n"
"  local wl = cjson.decode(redis.call('GET', jk .. ':wards') or '[]')\n"
"  local ids, ncur = {}, '0'\n"
"  local rid = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') or ''\n"
"  if cur ~= '0' and ARGV[14] ~= rid then cur = '0' end\n"
"  if w < #wl then\n"
"    local r = redis.call('SSCAN', p .. 'ward:' .. wl[w + 1][1] .. ':residents',\n"
"      cur, 'COUNT', batch)\n"
"    ncur = r[1]\n"
"    for _, id in ipairs(r[2]) do\n"
"      if redis.call('HSETNX', jk .. ':out', id, '.') == 1 then ids[#ids + 1] = id end\n"
"    end\n"
"  end\n"
"  for s = 1, #ids, chunk do\n"
"    redis.call('XADD', stream, '*', 'job', job, 'ids',\n"
"      table.concat(ids, ',', s, math.min(s + chunk - 1, #ids)))\n"
"    redis.call('HINCRBY', jk, 'queued', 1)\n"
"  end\n"
"  redis.call('HINCRBY', jk, 'total', #ids)\n"
"  if ncur == '0' then w, ncur = w + 1, '0' end\n"
"  if w >= #wl then\n"
"    finished = true\n"
"    redis.call('HSET', jk, 'state', 'sending')\n"
"    redis.call('XADD', p .. 'events', 'MAXLEN', '~', ARGV[11], '*', 'event',\n"
"      cjson.encode({ts = ARGV[12], job = job, state = 'sending',\n"
"        total = tonumber(redis.call('HGET', jk, 'total'))}))\n"
"  else\n"
"    redis.call('XADD', stream, '*', 'job', job, 'expand', 1, 'w', w, 'cur', ncur, 'rid', rid)\n"
"  end\n"
"end\n"
"if finished then\n"
"  redis.call('HSET', jk, 'expanded', 1)\n"
"  done_check(p, job, ARGV[12], ARGV[11], ARGV[13])\n"
"end\n"
"redis.call('XACK', stream, 'loa', eid)\n"
"redis.call('XDEL', stream, eid)\n"
"return 'ok'\n";

/*
 * ARGV: prefix maxlen now_iso retention_ms replay, then operations
 * (replay "1": the batch was recorded before and is sent again after a
 * reconnect, see ledger_replay; its E events are not added twice):
 *   O job item status channel ward event provider provider_id to
 *                                          final outcome (once per item);
 *                                          msgid:<provider>:<id> -> job,
 *                                          item, channel, ward, masked
 *                                          phone (for delivery reports)
 *   E job event                            event only (retry, fallback)
 *   R job item k r:k:ci:due                attempt k waits for a retry
 *                                          (unless attempt k already left)
 *   M job item k                           attempt k leaves: "~k"
 *   A stream eid job                       work entry finished: ack, delete
 *   P stream eid job                       work entry parked: only retries
 *                                          wait in it; it no longer counts
 *                                          in the job's `queued` (which
 *                                          paces expansion), once
 *   H stream eid job n item1..itemn        hand a work entry back: re-add
 *                                          a copy, reset the listed "~"
 *                                          marks to "queued"
 * Returns the number of outcomes newly recorded.
 */
const char loa_script_record[] = LUA_PRELUDE
"local p, maxlen, now, ret = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
"local replay = ARGV[5] == '1'\n"
"local ev = p .. 'events'\n"
"local n, i = 0, 6\n"
"-- outcomes newly recorded, per job: counts[job][\"status<TAB>channel<TAB>ward\"]\n"
"local counts, outk = {}, {}\n"
"while i <= #ARGV do\n"
"  local op = ARGV[i]\n"
"  if op == 'O' then\n"
"    local job = ARGV[i + 1]\n"
"    local ok = outk[job]\n"
"    if ok == nil then\n"
"      -- a job gone (expired, or a Redis emptied since) is not made again\n"
"      ok = redis.call('EXISTS', p .. 'job:' .. job) == 1 and p .. 'job:' .. job .. ':out'\n"
"      outk[job] = ok\n"
"    end\n"
"    local item, st, ch, ward = ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]\n"
"    local prev = ok and redis.call('HGET', ok, item)\n"
"    local c = prev and string.byte(prev, 1)\n"
"    -- none, queued, in flight (~), waiting for a retry (r:)\n"
"    if ok and ((not prev) or prev == '.' or c == 126 or\n"
"        (c == 114 and string.byte(prev, 2) == 58)) then\n"
"      redis.call('HSET', ok, item, st .. ':' .. ch)\n"
"      local cj, t = counts[job], st .. '\\t' .. ch .. '\\t' .. ward\n"
"      if not cj then cj = {}; counts[job] = cj end\n"
"      cj[t] = (cj[t] or 0) + 1\n"
"      redis.call('XADD', ev, 'MAXLEN', '~', maxlen, '*', 'event', ARGV[i + 6])\n"
"      if ARGV[i + 8] ~= '' then\n"
"        redis.call('SET', p .. 'msgid:' .. ARGV[i + 7] .. ':' .. ARGV[i + 8],\n"
"          job .. '\\t' .. item .. '\\t' .. ch .. '\\t' .. ward .. '\\t' .. ARGV[i + 9],\n"
"          'PX', ret)\n"
"      end\n"
"      n = n + 1\n"
"    end\n"
"    i = i + 10\n"
"  elseif op == 'R' or op == 'M' then\n"
"    local jk = p .. 'job:' .. ARGV[i + 1] .. ':out'\n"
"    local item, k = ARGV[i + 2], tonumber(ARGV[i + 3])\n"
"    local v = redis.call('HGET', jk, item)\n"
"    local n = nil\n"
"    if v and string.sub(v, 1, 1) == '~' then n = tonumber(string.sub(v, 2)) or 1\n"
"    elseif v and string.sub(v, 1, 2) == 'r:' then n = tonumber(string.match(v, '^r:(%d+)')) end\n"
"    if op == 'R' then\n"
"      if n and n < k then redis.call('HSET', jk, item, ARGV[i + 4]) end\n"
"      i = i + 5\n"
"    else\n"
"      if n and n <= k then redis.call('HSET', jk, item, '~' .. k) end\n"
"      i = i + 4\n"
"    end\n"
"  elseif op == 'E' then\n"
"    if not replay then\n"
"      redis.call('XADD', ev, 'MAXLEN', '~', maxlen, '*', 'event', ARGV[i + 2])\n"
"    end\n"
"    i = i + 3\n"
"  elseif op == 'A' then\n"
"    local jk = p .. 'job:' .. ARGV[i + 3]\n"
"    local parked = redis.call('HDEL', jk, 'parked:' .. ARGV[i + 2])\n"
"    if redis.call('XACK', ARGV[i + 1], 'loa', ARGV[i + 2]) == 1 and parked == 0 then\n"
"      redis.call('HINCRBY', jk, 'queued', -1)\n"
"    end\n"
"    redis.call('XDEL', ARGV[i + 1], ARGV[i + 2])\n"
"    i = i + 4\n"
"  elseif op == 'P' then\n"
"    local jk = p .. 'job:' .. ARGV[i + 3]\n"
"    if redis.call('EXISTS', jk) == 1 and\n"
"        redis.call('HSETNX', jk, 'parked:' .. ARGV[i + 2], 1) == 1 then\n"
"      redis.call('HINCRBY', jk, 'queued', -1)\n"
"    end\n"
"    i = i + 4\n"
"  elseif op == 'H' then\n"
"    local stream, eid, job = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]\n"
"    local cnt = tonumber(ARGV[i + 4])\n"
"    local e = redis.call('XRANGE', stream, eid, eid)\n"
"    if redis.call('XACK', stream, 'loa', eid) == 1 and #e == 1 then\n"
"      if redis.call('HDEL', p .. 'job:' .. job, 'parked:' .. eid) == 1 then\n"
"        redis.call('HINCRBY', p .. 'job:' .. job, 'queued', 1)\n"
"      end\n"
"      local jk = p .. 'job:' .. job .. ':out'\n"
"      for k = 1, cnt do\n"
"        local it = ARGV[i + 4 + k]\n"
"        if redis.call('HGET', jk, it) == '~' then redis.call('HSET', jk, it, '.') end\n"
"      end\n"
"      redis.call('XADD', stream, '*', unpack(e[1][2]))\n"
"      redis.call('XDEL', stream, eid)\n"
"    end\n"
"    i = i + 5 + cnt\n"
"  else\n"
"    return redis.error_reply('record: bad op ' .. tostring(op))\n"
"  end\n"
"end\n"
"-- the job's counters: by status, by channel and status, by ward and status\n"
"for job, cj in pairs(counts) do\n"
"  local sum = {}\n"
"  local function add(f, c) sum[f] = (sum[f] or 0) + c end\n"
"  for t, c in pairs(cj) do\n"
"    local st, ch, ward = string.match(t, '^([^\\t]*)\\t([^\\t]*)\\t(.*)$')\n"
"    if st == 'maybe_duplicate' then add(st, c); st = 'sent' end\n"
"    add(st, c)\n"
"    if ch ~= '' then add('ch:' .. ch .. ':' .. st, c) end\n"
"    if ward ~= '' then add('ward:' .. ward .. ':' .. st, c) end\n"
"  end\n"
"  for f, c in pairs(sum) do redis.call('HINCRBY', p .. 'job:' .. job, f, c) end\n"
"  done_check(p, job, now, maxlen, ret)\n"
"end\n"
"return n\n";

/*
 * Delivery reports.  ARGV: prefix now_ms hold_ms cap batch, then
 * quadruples provider msgid status reason (status "delivered" or
 * "failed").  With none: the sweep.
 * A report finds its delivery through msgid:<provider>:<id>.  It changes
 * a "sent" (or "maybe_duplicate") outcome only: delivered and failed are
 * final, so a replay or a late contrary report changes nothing.  A
 * failed report moves the item from sent to failed.  The msgid record
 * then carries the status applied (a sixth field), so a replay of the
 * report stays "final" even after `loactl retry` sent the item again.
 * A report whose send is not recorded yet (the provider was quicker than
 * our ledger) waits in reports:early, a sorted set scored by its first
 * arrival, holding at most `cap`: past that the oldest are dropped.
 * The sweep (once a second) drops those older than hold_ms, then tries
 * the next `batch` of them from reports:early:cursor on (a rank), going
 * round: every waiting report is tried within cap/batch sweeps however
 * many others wait, unlike "the oldest batch" that unmatched ones could
 * fill for ever.
 * Returns one entry per report (or per early report the sweep settled):
 * {"ok", provider, msgid, status, reason, job, item, channel, ward, to},
 * {"final", provider, msgid, status, reason} (replayed or already
 * final), {"early", ...} (kept for later), {"gone", ...} (the job's
 * records expired), {"unmatched", ...} (sweep: dropped after hold_ms),
 * {"dropped", ...} (the queue was full); the sweep ends with the number
 * of reports still waiting.
 */
const char loa_script_report[] =
"local p, now, hold = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])\n"
"local cap, batch = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
"local early, cursor = p .. 'reports:early', p .. 'reports:early:cursor'\n"
"local res = {}\n"
"local function bump(jk, st, ch, ward, by)\n"
"  redis.call('HINCRBY', jk, st, by)\n"
"  if ch ~= '' then redis.call('HINCRBY', jk, 'ch:' .. ch .. ':' .. st, by) end\n"
"  if ward ~= '' then redis.call('HINCRBY', jk, 'ward:' .. ward .. ':' .. st, by) end\n"
"end\n"
"local function apply(prov, id, st, why)\n"
"  local mk = p .. 'msgid:' .. prov .. ':' .. id\n"
"  local m = redis.call('GET', mk)\n"
"  if not m then return nil end\n"
"  local f = {}\n"
"  for v in string.gmatch(m .. '\\t', '([^\\t]*)\\t') do f[#f + 1] = v end\n"
"  local job, item, ch, ward, to = f[1], f[2], f[3] or '', f[4] or '', f[5] or ''\n"
"  if (f[6] or '') ~= '' then return {'final', prov, id, st, why} end\n"
"  local jk = p .. 'job:' .. job\n"
"  local prev = redis.call('HGET', jk .. ':out', item)\n"
"  if not prev then return {'gone', prov, id, st, why} end\n"
"  local ps = string.match(prev, '^[^:]*')\n"
"  if ps ~= 'sent' and ps ~= 'maybe_duplicate' then return {'final', prov, id, st, why} end\n"
"  redis.call('HSET', jk .. ':out', item, st .. ':' .. ch)\n"
"  bump(jk, st, ch, ward, 1)\n"
"  if st == 'failed' then bump(jk, 'sent', ch, ward, -1) end\n"
"  redis.call('SET', mk, m .. '\\t' .. st, 'KEEPTTL')\n"
"  return {'ok', prov, id, st, why, job, item, ch, ward, to}\n"
"end\n"
"local function fields(e)\n"
"  local a, b, c, d = string.match(e, '^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)$')\n"
"  return a, b, c, d\n"
"end\n"
"local function settled(what, e)\n"
"  local a, b, c, d = fields(e)\n"
"  res[#res + 1] = {what, a or '', b or '', c or '', d or ''}\n"
"end\n"
"-- n entries left from the front (ranks 0..n-1): the cursor follows\n"
"local function shift(n)\n"
"  if n <= 0 then return end\n"
"  local c = tonumber(redis.call('GET', cursor) or '0') or 0\n"
"  redis.call('SET', cursor, math.max(c - n, 0))\n"
"end\n"
"local function trim()\n"
"  local over = redis.call('ZCARD', early) - cap\n"
"  if over <= 0 then return end\n"
"  local gone = redis.call('ZPOPMIN', early, over)\n"
"  for k = 1, #gone, 2 do settled('dropped', gone[k]) end\n"
"  shift(over)\n"
"end\n"
"if #ARGV > 5 then\n"
"  for i = 6, #ARGV - 3, 4 do\n"
"    local q = {ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]}\n"
"    local r = apply(q[1], q[2], q[3], q[4])\n"
"    if not r then\n"
"      redis.call('ZADD', early, 'NX', now, table.concat(q, '\\t'))\n"
"      r = {'early', q[1], q[2], q[3], q[4]}\n"
"    end\n"
"    res[#res + 1] = r\n"
"  end\n"
"  trim()\n"
"  return res\n"
"end\n"
"local old = redis.call('ZRANGEBYSCORE', early, '-inf', now - hold, 'LIMIT', 0, 1000)\n"
"for _, e in ipairs(old) do\n"
"  redis.call('ZREM', early, e)\n"
"  settled('unmatched', e)\n"
"end\n"
"shift(#old)\n"
"trim()\n"
"local n = redis.call('ZCARD', early)\n"
"local c = tonumber(redis.call('GET', cursor) or '0') or 0\n"
"if c >= n then c = 0 end\n"
"local kept = redis.call('ZRANGE', early, c, c + batch - 1)\n"
"local gone = 0\n"
"for _, e in ipairs(kept) do\n"
"  local prov, id, st, why = fields(e)\n"
"  local r = prov and apply(prov, id, st, why)\n"
"  if r or not prov then\n"
"    redis.call('ZREM', early, e)\n"
"    gone = gone + 1\n"
"    res[#res + 1] = r or {'unmatched', '', '', '', ''}\n"
"  end\n"
"end\n"
"c = c + #kept - gone\n"
"if c >= n - gone then c = 0 end\n"
"if n - gone > 0 then redis.call('SET', cursor, c) else redis.call('DEL', cursor) end\n"
"res[#res + 1] = n - gone\n"
"return res\n";

/*
 * The keep-alive of the work entries a daemon holds.  ARGV: prefix me,
 * then pairs stream eid.  An entry still pending for me has its idle time
 * reset; one that is not (another daemon claimed it while we were frozen
 * or cut off, or it is gone) is left alone and returned: {stream, eid,
 * ...}.
 */
const char loa_script_touch[] = LUA_PRELUDE
"local me, lost = ARGV[2], {}\n"
"for i = 3, #ARGV - 1, 2 do\n"
"  if not owned(ARGV[i], ARGV[i + 1], me) then\n"
"    lost[#lost + 1] = ARGV[i]\n"
"    lost[#lost + 1] = ARGV[i + 1]\n"
"  end\n"
"end\n"
"return lost\n";

/* ARGV: prefix now_ms chunk maxlen now_iso -> number promoted */
const char loa_script_promote[] = LUA_PRELUDE
"local p, now, chunk, maxlen = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]\n"
"local due = redis.call('ZRANGEBYSCORE', p .. 'schedule', '-inf', now, 'LIMIT', 0, 16)\n"
"for _, id in ipairs(due) do\n"
"  redis.call('ZREM', p .. 'schedule', id)\n"
"  local jk = p .. 'job:' .. id\n"
"  local v = redis.call('HMGET', jk, 'state', 'total', 'priority', 'audience')\n"
"  if v[1] == 'scheduled' then\n"
"    local total = v[4] == '1' and -1 or (tonumber(v[2]) or 0)\n"
"    start(p, jk, id, v[3], total, chunk)\n"
"    redis.call('XADD', p .. 'events', 'MAXLEN', '~', maxlen, '*', 'event',\n"
"      cjson.encode({ts = ARGV[5], job = id, state = 'sending', total = total}))\n"
"  end\n"
"end\n"
"return #due\n";

/*
 * Start the argument vector of one script call: EVAL, the script, no
 * declared keys, and the key prefix as ARGV[1] (every script's first).
 */
void
loa_script_argv(struct loa_argv *av, const char *script, const char *prefix)
{
	loa_argv_init(av);
	loa_argv_add(av, "EVAL");
	loa_argv_add(av, script);
	loa_argv_add(av, "0");
	loa_argv_add(av, prefix);
}

/*
 * A provider's rate, shared by every daemon: GCRA on Redis's own clock.
 * The hash keeps `tat`, the time (ms) from which the next send may go;
 * sends are 1000/rate ms apart, with no burst.  A lease takes the next
 * times up to `ahead` ms from now, at most `want`; when the first is
 * within reach it takes at least `need` in a row however far they reach
 * (an SMS of N segments spends N times at once).  ARGV: key rate ahead
 * want need; returns {granted, µs from now to the first granted time, ms until
 * a time comes within reach again}.  The daemon spends each at its time.
 */
const char loa_script_rate[] =
"local t = redis.call('TIME')\n"
"local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000\n"
"local rate, ahead, want = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])\n"
"local need = tonumber(ARGV[5]) or 1\n"
"local step = 1000 / rate\n"
"local tat = tonumber(redis.call('HGET', ARGV[1], 'tat')) or now\n"
"if tat < now then tat = now end\n"
"local n = math.min(want, math.max(0, math.floor((now + ahead - tat) / step) + 1))\n"
"if n > 0 and n < need then n = need end\n"
"if n > 0 then\n"
"  redis.call('HSET', ARGV[1], 'tat', string.format('%.3f', tat + n * step))\n"
"  redis.call('PEXPIRE', ARGV[1], 60000)\n"
"end\n"
"local wait = math.ceil(tat + n * step - ahead - now)\n"
"return {n, math.floor((tat - now) * 1000), math.max(wait, 1)}\n";

/*
 * Cancel a job: nothing more goes out for it (the daemons holding its
 * work see the state within a second; work entries read later are
 * recorded cancelled by the gate).  Explicit recipients never turned into
 * work are counted cancelled here.  ARGV: prefix id now_iso maxlen
 * retention_ms.  Returns "ok", "unknown", or the state that prevents it.
 */
const char loa_script_cancel[] =
"local p, id, now = ARGV[1], ARGV[2], ARGV[3]\n"
"local jk = p .. 'job:' .. id\n"
"local v = redis.call('HMGET', jk, 'state', 'total', 'queued_upto', 'audience')\n"
"if not v[1] then return 'unknown' end\n"
"if v[1] ~= 'sending' and v[1] ~= 'expanding' and v[1] ~= 'scheduled' then\n"
"  return v[1]\n"
"end\n"
"redis.call('HSET', jk, 'state', 'cancelled', 'finished_at', now)\n"
"if v[4] ~= '1' then\n"
"  local rest = (tonumber(v[2]) or 0) - (tonumber(v[3]) or 0)\n"
"  if rest > 0 then redis.call('HINCRBY', jk, 'cancelled', rest) end\n"
"end\n"
"redis.call('ZREM', p .. 'schedule', id)\n"
"redis.call('XADD', p .. 'events', 'MAXLEN', '~', ARGV[4], '*', 'event',\n"
"  cjson.encode({ts = now, job = id, state = 'cancelled'}))\n"
"for _, k in ipairs({jk, jk .. ':out', jk .. ':spec', jk .. ':wards', jk .. ':phones'}) do\n"
"  redis.call('PEXPIRE', k, ARGV[5])\n"
"end\n"
"return 'ok'\n";

/*
 * Re-queue the failed recipients among items: each whose outcome is still
 * "failed:<channel>" goes back to queued ("."), the job's failed counters
 * (total, per channel, per ward) give it back, and it is sent again in new
 * work entries of at most `chunk`.  A finished job is sending again (and
 * no longer expiring).  ARGV: prefix id chunk maxlen now_iso item...;
 * items are resident ids or "#index".  Returns the number re-queued, or
 * -1 when the job is unknown, -2 when it is still running or cancelled.
 */
const char loa_script_retry[] =
"local p, id, chunk = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
"local jk = p .. 'job:' .. id\n"
"local v = redis.call('HMGET', jk, 'state', 'priority', 'audience')\n"
"if not v[1] then return -1 end\n"
"if v[1] ~= 'done' then return -2 end\n"
"local spec = nil\n"
"local ids, idx = {}, {}\n"
"for i = 6, #ARGV do\n"
"  local it = ARGV[i]\n"
"  local o = redis.call('HGET', jk .. ':out', it)\n"
"  if o and string.sub(o, 1, 7) == 'failed:' then\n"
"    local ch = string.sub(o, 8)\n"
"    local ward = ''\n"
"    if string.sub(it, 1, 1) == '#' then\n"
"      if not spec then spec = cjson.decode(redis.call('GET', jk .. ':spec') or '{}') end\n"
"      local r = spec.recipients and spec.recipients[tonumber(string.sub(it, 2)) + 1]\n"
"      if r and type(r.ward) == 'string' then ward = r.ward end\n"
"      idx[#idx + 1] = tonumber(string.sub(it, 2))\n"
"    else\n"
"      ward = redis.call('HGET', p .. 'resident:' .. it, 'ward') or ''\n"
"      ids[#ids + 1] = it\n"
"    end\n"
"    redis.call('HSET', jk .. ':out', it, '.')\n"
"    redis.call('HINCRBY', jk, 'failed', -1)\n"
"    if ch ~= '' then redis.call('HINCRBY', jk, 'ch:' .. ch .. ':failed', -1) end\n"
"    if ward ~= '' then redis.call('HINCRBY', jk, 'ward:' .. ward .. ':failed', -1) end\n"
"  end\n"
"end\n"
"local n = #ids + #idx\n"
"if n == 0 then return 0 end\n"
"local stream = p .. 'work:' .. (v[2] or 'normal')\n"
"for s = 1, #ids, chunk do\n"
"  redis.call('XADD', stream, '*', 'job', id, 'ids',\n"
"    table.concat(ids, ',', s, math.min(s + chunk - 1, #ids)))\n"
"  redis.call('HINCRBY', jk, 'queued', 1)\n"
"end\n"
"for _, i in ipairs(idx) do\n"
"  redis.call('XADD', stream, '*', 'job', id, 'from', i, 'to', i + 1)\n"
"  redis.call('HINCRBY', jk, 'queued', 1)\n"
"end\n"
"redis.call('HSET', jk, 'state', 'sending')\n"
"redis.call('HDEL', jk, 'finished_at')\n"
"for _, k in ipairs({jk, jk .. ':out', jk .. ':spec', jk .. ':wards', jk .. ':phones'}) do\n"
"  redis.call('PERSIST', k)\n"
"end\n"
"redis.call('XADD', p .. 'events', 'MAXLEN', '~', ARGV[4], '*', 'event',\n"
"  cjson.encode({ts = ARGV[5], job = id, state = 'sending', retried = n}))\n"
"return n\n";
