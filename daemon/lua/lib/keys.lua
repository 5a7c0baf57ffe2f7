-- keys.lua -- the Lua half of the key builder (daemon/store.c is the C
-- half; README "Redis keys" is the layout).  Every script includes it
-- first ("--: include keys"): ARGV[1] is always the key prefix, and every
-- key a script touches is named here and nowhere else.
-- luacheck: push ignore 211
local K = {}
do
  local p = ARGV[1]
  function K.jobs() return p .. 'jobs' end
  function K.dead() return p .. 'dead' end
  function K.events() return p .. 'events' end
  function K.schedule() return p .. 'schedule' end
  function K.optout() return p .. 'optout' end
  function K.wards() return p .. 'wards' end
  function K.columns() return p .. 'directory:columns' end
  function K.early() return p .. 'reports:early' end
  function K.early_cursor() return p .. 'reports:early:cursor' end
  function K.work(prio) return p .. 'work:' .. prio end
  function K.job(id) return p .. 'job:' .. id end
  function K.job_out(id) return p .. 'job:' .. id .. ':out' end
  function K.job_spec(id) return p .. 'job:' .. id .. ':spec' end
  function K.job_wards(id) return p .. 'job:' .. id .. ':wards' end
  function K.job_phones(id) return p .. 'job:' .. id .. ':phones' end
  -- item -> why it was not reached (failed, skipped, expired), for report
  function K.job_why(id) return p .. 'job:' .. id .. ':why' end
  -- the senders (channel:from) whose inbox entry names the job (inbox.lua)
  function K.job_answered(id) return p .. 'job:' .. id .. ':answered' end
  -- every key of a job, for expiry
  function K.job_all(id)
    return {K.job(id), K.job_out(id), K.job_spec(id), K.job_wards(id), K.job_phones(id),
      K.job_why(id), K.job_answered(id)}
  end
  function K.ward(code) return p .. 'ward:' .. code end
  function K.ward_residents(code) return p .. 'ward:' .. code .. ':residents' end
  function K.resident(id) return p .. 'resident:' .. id end
  -- resident ids by normalized phone (loactl import writes it)
  function K.phone_residents(e164) return p .. 'phone:' .. e164 .. ':residents' end
  -- resident ids by Zalo user id (import residents, DANG KY: inbox.lua)
  function K.zalo_residents(uid) return p .. 'zalo:' .. uid .. ':residents' end
  -- 1/0: the Zalo user follows the OA (follow/unfollow events)
  function K.zalo_follows(uid) return p .. 'zalo:' .. uid .. ':follows' end
  -- Zalo user ids that refuse every message (TU CHOI from Zalo)
  function K.optout_zalo() return p .. 'optout:zalo' end
  -- what residents wrote (a stream), and the messages already kept
  function K.inbox() return p .. 'inbox' end
  function K.inbox_seen(provider, hex) return p .. 'inbox:seen:' .. provider .. ':' .. hex end
  function K.msgid(provider, id) return p .. 'msgid:' .. provider .. ':' .. id end
  function K.rate(provider) return p .. 'rate:' .. provider end
  function K.cred_lock(provider) return p .. 'cred:' .. provider .. ':lock' end
  function K.provider(name) return p .. 'provider:' .. name end
  -- the job index: job ids by creation time (ms), for listings
  function K.index_jobs() return p .. 'index:jobs' end
  function K.index_backfilled() return p .. 'index:jobs:backfilled' end
  -- the daemon registry: consumer names, and each one's heartbeat hash
  function K.daemons() return p .. 'daemons' end
  function K.daemon(consumer) return p .. 'daemon:' .. consumer end
  function K.log_level() return p .. 'log_level' end
  -- the ward office (auth.c): accounts, named tokens, sessions, audit
  function K.users() return p .. 'users' end
  function K.user(name) return p .. 'user:' .. name end
  function K.tokens() return p .. 'tokens' end
  function K.token(name) return p .. 'token:' .. name end
  function K.tokendigest(hex) return p .. 'tokendigest:' .. hex end
  function K.session(hex) return p .. 'session:' .. hex end
  -- failed logins from one address (by the digest of the address)
  function K.login_addr(hex) return p .. 'login:addr:' .. hex end
  -- failed logins for a name no account has (login.lua): the same lock
  function K.login_name(name) return p .. 'login:name:' .. name end
  -- jobs awaiting approval, by approval deadline (ms)
  function K.approvals() return p .. 'approvals' end
  -- the audit trail (a stream)
  function K.audit() return p .. 'audit' end
  -- the glob that matches every key of the prefix that starts with s
  function K.glob(s) return p:gsub('[%*%?%[%]\\]', '\\%0') .. s .. '*' end
end
-- luacheck: pop
