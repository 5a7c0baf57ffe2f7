# scope: ARGV prefix id; and jobs' scope filter (ARGV prefix state limit ward...)
is "no such job" "$(ev scope $P j0)" ""
R HSET ${P}job:a1 state sending audience 1 >/dev/null
R SET ${P}job:a1:wards '[["00001","P1","D1"],["00002","P2","D1"]]' >/dev/null
is "an audience job: its wards" "$(ev scope $P a1 | tr '\n' ' ')" "sending 00001 00002 "
R HSET ${P}job:e1 state done >/dev/null
R SET ${P}job:e1:spec '{"id":"e1","recipients":[{"phone":"1","ward":"00001"},{"phone":"2"},{"phone":"3","ward":"00001"}]}' >/dev/null
is "explicit: the recipients' wards, '' for none" "$(ev scope $P e1 | tr '\n' ' ')" "done 00001  "
R HSET ${P}job:e2 state done >/dev/null
R SET ${P}job:e2:spec '{"id":"e2","recipients":[{"phone":"1","ward":"00003"}]}' >/dev/null
R HSET ${P}job:r1 state rejected >/dev/null
R ZADD ${P}index:jobs 1 a1 2 e1 3 e2 4 r1 >/dev/null
is "jobs: no scope, all four" "$(ev jobs $P '' 10 | grep -cx 'a1\|e1\|e2\|r1')" 4
is "jobs: 00001,00002" "$(ev jobs $P '' 10 00001 00002 | grep -x 'a1\|e1\|e2\|r1' | tr '\n' ' ')" "a1 "
is "jobs: 00003" "$(ev jobs $P '' 10 00003 | grep -x 'a1\|e1\|e2\|r1' | tr '\n' ' ')" "e2 "
is "jobs: 00001 does not cover a1" "$(ev jobs $P '' 10 00001 | grep -cx 'a1\|e1\|e2\|r1')" 0
