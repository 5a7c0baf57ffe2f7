# account: ARGV prefix op now_iso retention_ms actor from name rest...
H='$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA'
D=$(printf '%064d' 7)
is "user_add" "$(ev account $P user_add T0 60000 cli:root '' an drafter 00001,00002 "$H" 1)" ok
is "stored" "$(R HMGET ${P}user:an role wards pw disabled gen must_change | tr '\n' ' ')" "drafter 00001,00002 $H 0 1 1 "
is "in the set" "$(R SMEMBERS ${P}users)" an
is "twice: exists" "$(ev account $P user_add T0 60000 cli:root '' an admin all "$H")" exists
is "unchanged" "$(R HGET ${P}user:an role)" drafter
is "audited" "$(R XREVRANGE ${P}audit + - COUNT 1 | tr '\n' ' ')" \
    "$(R XREVRANGE ${P}audit + - COUNT 1 | head -1) ts T0 actor cli:root action user_add target an from  detail drafter 00001,00002 "
is "list: no password" "$(ev account $P user_list T0 60000 x '' '' | grep -c argon)" 0
is "list: the role" "$(ev account $P user_list T0 60000 x '' '' | grep -A1 '^role$' | tail -1)" drafter
is "passwd" "$(ev account $P user_passwd T0 60000 cli:root '' an 'NEW' 0)" ok
is "new hash, gen bumped, not must_change" "$(R HMGET ${P}user:an pw gen must_change | tr '\n' ' ')" "NEW 2 0 "
is "list: must_change" "$(ev account $P user_list T0 60000 x '' '' | grep -A1 '^must_change$' | tail -1)" 0
ev account $P user_add T0 60000 cli:root '' chosen drafter 00001 "$H" 0 >/dev/null
is "user_add, a chosen password: not must_change" "$(R HGET ${P}user:chosen must_change)" 0
is "passwd, a new one-time password" "$(ev account $P user_passwd T0 60000 cli:root '' an 'NEW2' 1)/$(R HMGET ${P}user:an pw must_change | tr '\n' ' ')" "ok/NEW2 1 "
is "passwd unknown" "$(ev account $P user_passwd T0 60000 cli:root '' nobody 'NEW')" unknown
is "disable" "$(ev account $P user_disable T0 60000 cli:root '' an)" ok
is "disabled, gen bumped" "$(R HMGET ${P}user:an disabled gen | tr '\n' ' ')" "1 4 "
is "disable twice" "$(ev account $P user_disable T0 60000 cli:root '' an)" already
is "disable unknown" "$(ev account $P user_disable T0 60000 cli:root '' nobody)" unknown
is "five audit entries more" "$(R XLEN ${P}audit)" 5
is "token_add" "$(ev account $P token_add T0 60000 cli:root '' sys drafter 00001 "$D")" ok
is "digest names it" "$(R GET ${P}tokendigest:$D)" sys
is "token twice" "$(ev account $P token_add T0 60000 cli:root '' sys drafter 00001 "$D")" exists
is "token list: no digest" "$(ev account $P token_list T0 60000 x '' '' | grep -c "$D")" 0
is "revoke" "$(ev account $P token_revoke T0 60000 cli:root '' sys)" ok
is "digest no longer names it" "$(R EXISTS ${P}tokendigest:$D) $(R HGET ${P}token:sys revoked)" "0 1"
is "revoke twice" "$(ev account $P token_revoke T0 60000 cli:root '' sys)" already
is "revoke unknown" "$(ev account $P token_revoke T0 60000 cli:root '' nope)" unknown
is "audit: token_add, token_revoke" "$(R XRANGE ${P}audit - + | grep -c '^token_')" 2
is "unknown op" "$(ev account $P frob T0 60000 x '' n 2>&1 | grep -c 'unknown op')" 1
