# resolve: ARGV prefix kind names...
R HSET ${P}ward:w1 name One district D1 >/dev/null
R HSET ${P}ward:w2 name Two district D2 >/dev/null
R HSET ${P}ward:w3 name Three district D1 >/dev/null
R SADD ${P}wards w1 w2 w3 >/dev/null
R SADD ${P}directory:columns to_dan_pho >/dev/null
is "wards by code" "$(ev resolve $P wards w2 w1 w2 nope)" \
    "$(lines nope '[["w2","Two","D2"],["w1","One","D1"]]' to_dan_pho)"
is "districts" "$(ev resolve $P districts D1 D9)" \
    "$(lines D9 '[["w1","One","D1"],["w3","Three","D1"]]' to_dan_pho)"
is "all" "$(ev resolve $P all | grep '^\[')" '[["w1","One","D1"],["w2","Two","D2"],["w3","Three","D1"]]'
is "codes of explicit recipients" "$(ev resolve $P codes w3 zz | head -2)" "$(lines zz '[["w3","Three","D1"]]')"
