-- luacheck settings for the store's Lua scripts (daemon/lua), as Redis
-- runs them: Lua 5.1 with the redis and cjson libraries, KEYS and ARGV.
-- `make check-lua` checks the assembled scripts (build/gen/lua).
std = "lua51"
read_globals = { "redis", "cjson", "KEYS", "ARGV" }
