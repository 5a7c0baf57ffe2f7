# import_wards: ARGV prefix (code name district)...
is "wards" "$(ev import_wards $P w1 One D1 w2 Two '')" "$(lines added added)"
is "again" "$(ev import_wards $P w1 One D1 w2 Deux '')" "$(lines unchanged updated)"
is "the set of wards" "$(R SCARD ${P}wards)" 2
# import_residents: ARGV prefix ncols cols... (id ward nf field value...)...
is "residents" "$(ev import_residents $P 1 to r1 w1 2 ward w1 var:to A r2 w9 1 ward w9)" "$(lines added 'unknown ward w9')"
is "in their ward" "$(R SMEMBERS ${P}ward:w1:residents) $(R SMEMBERS ${P}directory:columns)" "r1 to"
is "unchanged" "$(ev import_residents $P 0 r1 w1 2 ward w1 var:to A)" unchanged
is "moved" "$(ev import_residents $P 0 r1 w2 1 ward w2) $(R SCARD ${P}ward:w1:residents) $(R SMEMBERS ${P}ward:w2:residents)" "updated 0 r1"
is "replaced as a whole" "$(R HGETALL ${P}resident:r1 | tr '\n' ' ')" "ward w2 "
# the phone index (issue 14: loactl optout check consults the directory)
is "indexed by phone" "$(ev import_residents $P 0 r3 w1 2 ward w1 phone 84912000001) $(R SMEMBERS ${P}phone:84912000001:residents)" "added r3"
is "a new phone moves it" "$(ev import_residents $P 0 r3 w1 2 ward w1 phone 84912000002) $(R SCARD ${P}phone:84912000001:residents) $(R SMEMBERS ${P}phone:84912000002:residents)" "updated 0 r3"
is "no phone, no index" "$(ev import_residents $P 0 r3 w1 2 ward w1 zalo_uid z) $(R SCARD ${P}phone:84912000002:residents)" "updated 0"
is "indexed by zalo_uid" "$(ev import_residents $P 0 r9 w1 2 ward w1 zalo_uid uid-1) $(R SMEMBERS ${P}zalo:uid-1:residents)" "added r9"
is "a new uid moves it" "$(ev import_residents $P 0 r9 w1 2 ward w1 zalo_uid uid-2) $(R SCARD ${P}zalo:uid-1:residents) $(R SMEMBERS ${P}zalo:uid-2:residents)" "updated 0 r9"
is "a uid that cannot be a key part: kept, not indexed" "$(ev import_residents $P 0 r9 w1 2 ward w1 zalo_uid 'a:b*') $(R SCARD ${P}zalo:uid-2:residents) $(R EXISTS "${P}zalo:a:b*:residents")" "updated 0 0"
