# submit: ARGV prefix id kind names...
# (redis-cli shows an empty "missing" array as an empty line)
R HSET ${P}ward:w1 name "Phường Một" district D1 >/dev/null
R HSET ${P}ward:w2 name Two district D2 >/dev/null
R SADD ${P}wards w1 w2 >/dev/null
R SADD ${P}directory:columns to_dan_pho >/dev/null
R HSET ${P}job:j1 state sending created_at T0 >/dev/null
R SET ${P}job:j1:spec '{"id":"j1"}' >/dev/null
names='[["w1","Phường Một"],["w2","Two"]]'
is "a new id, wards known: resolve's answer, no job, no names" \
    "$(ev submit $P j9 wards w2)" \
    "$(lines '' '[["w2","Two","D2"]]' to_dan_pho '' '' '' '[]')"
is "an unknown ward: the ward names for the hint" \
    "$(ev submit $P j9 wards w1 Mot)" \
    "$(lines Mot '[["w1","Phường Một","D1"]]' to_dan_pho '' '' '' "$names")"
is "an unknown district: no names" "$(ev submit $P j9 districts D9)" \
    "$(lines D9 '{}' to_dan_pho '' '' '' '[]')"
is "an id in use: its state, created_at and spec" \
    "$(ev submit $P j1 all | tail -4)" \
    "$(lines sending T0 '{"id":"j1"}' '[]')"
is "no id: nothing about a job" "$(ev submit $P '' codes w1 zz | tail -4)" \
    "$(lines '' '' '' '[]')"
is "kind none: only the names" "$(ev submit $P '' none)" \
    "$(lines '' '{}' to_dan_pho '' '' '' "$names")"
is "reads only" "$(R DBSIZE)" 6
