-- gate.lua -- before sending a chunk.
--
-- Before sending a chunk: is it still ours, what is the job's state, and
-- for each item its outcome so far; items without one are marked in
-- flight ("~").  ARGV: prefix stream eid consumer job mode items...
-- mode "i": items are pairs (key, normalized phone or "") of explicit
-- recipients; mode "d": items are resident ids, whose hashes come back.
-- Returns {'lost'} or {state, {outcome, flags[, fields]}...}; flags: "o"
-- opted out (loa:optout, or a resident's zalo_uid in loa:optout:zalo: a
-- TU CHOI from Zalo), "d" phone already used by another resident of
-- the job, for every item without a final outcome: also one found in
-- flight after a crash ("~N") or waiting for a retry ("r:..."), whose
-- resident may have opted out since.
--
--: include keys
--: include outcome
--: include common
local _, stream, eid, me, job, mode = unpack(ARGV, 1, 6)
if not owned(stream, eid, me) then return {'lost'} end
local jk, outk, phk = K.job(job), K.job_out(job), K.job_phones(job)
local state = redis.call('HGET', jk, 'state') or ''
local live = state == 'sending' or state == 'expanding'
local res = { state }
local step = mode == 'i' and 2 or 1
local items, rows, mark, ask, askn, uids, uidn = {}, {}, {}, {}, {}, {}, {}
for i = 7, #ARGV, step do items[#items + 1] = ARGV[i] end
local outs = many('HMGET', outk, items)
for n, it in ipairs(items) do
  local v = outs[n]
  if (not v) or v == O.QUEUED then
    v = ''
    if live then mark[#mark + 1] = it; mark[#mark + 1] = O.SENDING end
  end
  local flags, f, ph, uid = '', nil, nil, nil
  if mode == 'i' then
    ph = ARGV[6 + 2 * n]
  else
    f = redis.call('HGETALL', K.resident(it))
    for k = 1, #f, 2 do
      if f[k] == 'phone' then ph = f[k + 1] end
      if f[k] == 'zalo_uid' and f[k + 1] ~= '' then uid = f[k + 1] end
    end
  end
  if live and (v == '' or O.open(v)) and uid then
    uids[#uids + 1] = uid
    uidn[#uidn + 1] = n
  end
  if live and (v == '' or O.open(v)) and ph and ph ~= '' then
    ask[#ask + 1] = ph
    askn[#askn + 1] = n
    if mode == 'd' and redis.call('HSETNX', phk, ph, it) == 0 and
        redis.call('HGET', phk, ph) ~= it then flags = 'd' end
  end
  rows[n] = {v, flags, f}
end
many('HSET', outk, mark)
local o = many('SMISMEMBER', K.optout(), ask)
for k, n in ipairs(askn) do
  if o[k] == 1 then rows[n][2] = 'o' .. rows[n][2] end
end
local z = many('SMISMEMBER', K.optout_zalo(), uids)
for k, n in ipairs(uidn) do
  if z[k] == 1 and string.sub(rows[n][2], 1, 1) ~= 'o' then rows[n][2] = 'o' .. rows[n][2] end
end
for n, r in ipairs(rows) do
  if r[3] then res[n + 1] = r else res[n + 1] = {r[1], r[2]} end
end
return res
