/*
 * scripts.c -- the Lua scripts that keep Redis consistent.
 *
 * Every multi-key change that must happen together is one script, so that
 * a crash or a lost connection leaves either all of it or none:
 *
 *   accept   a valid job: job hash, spec, work chunks, event, ack of the
 *            ingest entry; a known id is a no-op (duplicate).
 *   reject   an invalid job: dead letter, job state, event, ack.
 *   gate     before sending a chunk: is the chunk still ours, what is the
 *            job's state, which items already have an outcome; marks the
 *            others as in flight ("~") so a crash can be recognised.
 *   record   a batch of outcomes, events, chunk acks and hand-backs.
 *   promote  scheduled jobs whose send_at has come.
 *
 * Scripts are sent with EVAL (Redis caches them by hash), so a restarted
 * or flushed Redis never answers NOSCRIPT.  Keys are built from the prefix
 * inside the scripts; with a Redis Cluster hash-tag prefix ("{loa}:") they
 * all live in one slot.
 */
#include "loa.h"

/* ARGV: prefix stream eid id spec total now_iso prio chunk maxlen event
 *       send_at_ms retention_ms */
const char loa_script_accept[] =
"local p, stream, eid, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
"local total, now, prio = tonumber(ARGV[6]), ARGV[7], ARGV[8]\n"
"local chunk, maxlen, sendat = tonumber(ARGV[9]), ARGV[10], tonumber(ARGV[12])\n"
"local jk = p .. 'job:' .. id\n"
"local st = redis.call('HGET', jk, 'state')\n"
"local res = 'accepted'\n"
"if st and st ~= 'rejected' then\n"
"  res = 'duplicate'\n"
"else\n"
"  if st then redis.call('DEL', jk, jk .. ':out') end\n"
"  redis.call('HSET', jk, 'state', 'sending', 'total', total, 'sent', 0,\n"
"    'delivered', 0, 'failed', 0, 'skipped', 0, 'expired', 0,\n"
"    'cancelled', 0, 'created_at', now, 'priority', prio, 'entry', eid)\n"
"  redis.call('SET', jk .. ':spec', ARGV[5])\n"
"  if sendat > 0 then\n"
"    redis.call('HSET', jk, 'state', 'scheduled')\n"
"    redis.call('ZADD', p .. 'schedule', sendat, id)\n"
"    res = 'scheduled'\n"
"  elseif total == 0 then\n"
"    redis.call('HSET', jk, 'state', 'done', 'finished_at', now)\n"
"  else\n"
"    for s = 0, total - 1, chunk do\n"
"      redis.call('XADD', p .. 'work:' .. prio, '*', 'job', id, 'from', s,\n"
"        'to', math.min(s + chunk, total))\n"
"    end\n"
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

/* ARGV: prefix stream eid consumer job item... -> {state, v...} | {'lost'} */
const char loa_script_gate[] =
"local p, stream, eid, me, job = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]\n"
"local pend = redis.call('XPENDING', stream, 'loa', eid, eid, 1)\n"
"if #pend == 0 or pend[1][2] ~= me then return {'lost'} end\n"
"redis.call('XCLAIM', stream, 'loa', me, 0, eid, 'JUSTID')\n"
"local jk = p .. 'job:' .. job\n"
"local res = { redis.call('HGET', jk, 'state') or '' }\n"
"local live = res[1] == 'sending'\n"
"for i = 6, #ARGV do\n"
"  local v = redis.call('HGET', jk .. ':out', ARGV[i])\n"
"  if not v then\n"
"    v = ''\n"
"    if live then redis.call('HSET', jk .. ':out', ARGV[i], '~') end\n"
"  end\n"
"  res[#res + 1] = v\n"
"end\n"
"return res\n";

/*
 * ARGV: prefix maxlen now_iso retention_ms, then operations:
 *   O job item status channel ward event   final outcome (once per item)
 *   E job event                            event only (retry, fallback)
 *   A stream eid                           chunk finished: ack + delete
 *   H stream eid job from to item...       hand a chunk back: re-add it,
 *                                          clear the listed "~" marks
 * Returns the number of outcomes newly recorded.
 */
const char loa_script_record[] =
"local p, maxlen, now, ret = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
"local ev = p .. 'events'\n"
"local touched, n, i = {}, 0, 5\n"
"while i <= #ARGV do\n"
"  local op = ARGV[i]\n"
"  if op == 'O' then\n"
"    local jk = p .. 'job:' .. ARGV[i + 1]\n"
"    local item, st, ch, ward = ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]\n"
"    local prev = redis.call('HGET', jk .. ':out', item)\n"
"    if (not prev) or string.sub(prev, 1, 1) == '~' then\n"
"      redis.call('HSET', jk .. ':out', item, st .. ':' .. ch)\n"
"      if st == 'maybe_duplicate' then\n"
"        redis.call('HINCRBY', jk, st, 1)\n"
"        st = 'sent'\n"
"      end\n"
"      redis.call('HINCRBY', jk, st, 1)\n"
"      if ch ~= '' then redis.call('HINCRBY', jk, 'ch:' .. ch .. ':' .. st, 1) end\n"
"      if ward ~= '' then redis.call('HINCRBY', jk, 'ward:' .. ward .. ':' .. st, 1) end\n"
"      redis.call('XADD', ev, 'MAXLEN', '~', maxlen, '*', 'event', ARGV[i + 6])\n"
"      touched[ARGV[i + 1]] = true\n"
"      n = n + 1\n"
"    end\n"
"    i = i + 7\n"
"  elseif op == 'E' then\n"
"    redis.call('XADD', ev, 'MAXLEN', '~', maxlen, '*', 'event', ARGV[i + 2])\n"
"    i = i + 3\n"
"  elseif op == 'A' then\n"
"    redis.call('XACK', ARGV[i + 1], 'loa', ARGV[i + 2])\n"
"    redis.call('XDEL', ARGV[i + 1], ARGV[i + 2])\n"
"    i = i + 3\n"
"  elseif op == 'H' then\n"
"    local stream, eid, job = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]\n"
"    local cnt = tonumber(ARGV[i + 6])\n"
"    if redis.call('XACK', stream, 'loa', eid) == 1 then\n"
"      local jk = p .. 'job:' .. job .. ':out'\n"
"      for k = 1, cnt do\n"
"        local it = ARGV[i + 6 + k]\n"
"        if redis.call('HGET', jk, it) == '~' then redis.call('HDEL', jk, it) end\n"
"      end\n"
"      redis.call('XADD', stream, '*', 'job', job, 'from', ARGV[i + 4], 'to', ARGV[i + 5])\n"
"      redis.call('XDEL', stream, eid)\n"
"    end\n"
"    i = i + 7 + cnt\n"
"  else\n"
"    return redis.error_reply('record: bad op ' .. tostring(op))\n"
"  end\n"
"end\n"
"for job in pairs(touched) do\n"
"  local jk = p .. 'job:' .. job\n"
"  local v = redis.call('HMGET', jk, 'total', 'sent', 'failed', 'skipped',\n"
"    'expired', 'cancelled', 'state')\n"
"  local fin = 0\n"
"  for k = 2, 6 do fin = fin + (tonumber(v[k]) or 0) end\n"
"  if v[7] == 'sending' and fin >= (tonumber(v[1]) or 0) then\n"
"    redis.call('HSET', jk, 'state', 'done', 'finished_at', now)\n"
"    redis.call('XADD', ev, 'MAXLEN', '~', maxlen, '*', 'event',\n"
"      cjson.encode({ts = now, job = job, state = 'done', total = tonumber(v[1]),\n"
"        sent = tonumber(v[2]), failed = tonumber(v[3]), skipped = tonumber(v[4]),\n"
"        expired = tonumber(v[5]), cancelled = tonumber(v[6])}))\n"
"    redis.call('PEXPIRE', jk, ret)\n"
"    redis.call('PEXPIRE', jk .. ':out', ret)\n"
"    redis.call('PEXPIRE', jk .. ':spec', ret)\n"
"  end\n"
"end\n"
"return n\n";

/* ARGV: prefix now_ms chunk maxlen now_iso -> number promoted */
const char loa_script_promote[] =
"local p, now, chunk, maxlen = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]\n"
"local due = redis.call('ZRANGEBYSCORE', p .. 'schedule', '-inf', now, 'LIMIT', 0, 16)\n"
"for _, id in ipairs(due) do\n"
"  redis.call('ZREM', p .. 'schedule', id)\n"
"  local jk = p .. 'job:' .. id\n"
"  local v = redis.call('HMGET', jk, 'state', 'total', 'priority')\n"
"  if v[1] == 'scheduled' then\n"
"    local total = tonumber(v[2]) or 0\n"
"    redis.call('HSET', jk, 'state', 'sending')\n"
"    for s = 0, total - 1, chunk do\n"
"      redis.call('XADD', p .. 'work:' .. v[3], '*', 'job', id, 'from', s,\n"
"        'to', math.min(s + chunk, total))\n"
"    end\n"
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
