# unlock: ARGV prefix provider token
R SET ${P}cred:zalo:lock d1 PX 60000 >/dev/null
is "not ours" "$(ev unlock $P zalo d2) $(R GET ${P}cred:zalo:lock)" "0 d1"
is "ours" "$(ev unlock $P zalo d1) $(R EXISTS ${P}cred:zalo:lock)" "1 0"
