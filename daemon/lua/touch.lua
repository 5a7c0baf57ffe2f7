-- touch.lua -- keep the work entries a daemon holds.
--
-- The keep-alive of the work entries a daemon holds.  ARGV: prefix me,
-- then pairs stream eid.  An entry still pending for me has its idle time
-- reset; one that is not (another daemon claimed it while we were frozen
-- or cut off, or it is gone) is left alone and returned: {stream, eid,
-- ...}.
--
--: include keys
--: include common
local me, lost = ARGV[2], {}
for i = 3, #ARGV - 1, 2 do
  if not owned(ARGV[i], ARGV[i + 1], me) then
    lost[#lost + 1] = ARGV[i]
    lost[#lost + 1] = ARGV[i + 1]
  end
end
return lost
