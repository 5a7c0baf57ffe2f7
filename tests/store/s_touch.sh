# touch: ARGV prefix me (stream eid)...
e1=$(pending ${P}work:normal d1 job j1)
e2=$(pending ${P}work:normal d2 job j2)
is "an entry of another daemon is lost" "$(ev touch $P d1 ${P}work:normal $e1 ${P}work:normal $e2)" \
    "$(lines ${P}work:normal $e2)"
pending ${P}work:bulk d1 job j3 >/dev/null
is "one gone too" "$(ev touch $P d1 ${P}work:bulk 1-1)" "$(lines ${P}work:bulk 1-1)"
is "ours stays ours" "$(R XPENDING ${P}work:normal loa - + 10 d1 | sed -n 2p)" d1
