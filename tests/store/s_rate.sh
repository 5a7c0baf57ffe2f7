# rate: ARGV prefix provider rate ahead want need
r=$(ev rate $P esms 10 1000 100 1)
is "10/s, 1 s ahead: 11 times" "$(echo "$r" | head -1)" 11
r=$(ev rate $P esms 10 1000 100 1)
is "then none until one comes within reach" "$(echo "$r" | head -1)" 0
is "the hash expires" "$(R PTTL ${P}rate:esms | awk '{ print ($1 > 0) }')" 1
is "a run of need at once" "$(ev rate $P other 1 0 1 3 | head -1)" 3
