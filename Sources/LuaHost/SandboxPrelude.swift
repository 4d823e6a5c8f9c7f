/// Trusted Lua that builds the sandbox. It runs once per state with the real globals, gets the
/// host functions as its argument, and returns `new_env`, `freeze` and `rpt`. Pack code never sees
/// the real globals: every pack chunk gets its own environment whose `__index` is a read-only base.
enum SandboxPrelude {
    static let source = #"""
local host = ...
local real_load, real_setmetatable, real_rawset, real_pcall = load, setmetatable, rawset, pcall
local real_next, rawget, pack, unpack = next, rawget, table.pack, table.unpack
string.dump = nil                                  -- also reachable as ("").dump
getmetatable("").__metatable = "locked"

local protected = setmetatable({}, { __mode = "k" })

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- The library's tables are shared by every call: a pack sees them only through proxies whose
-- metatable it cannot get, and whose __pairs iterates without handing out the real table.
local function readonly(t, name)
  local proxy = {}
  protected[proxy] = true
  local function iterate(_, k) return real_next(t, k) end
  return real_setmetatable(proxy, {
    __index = t,
    __newindex = function(_, k)
      error("'" .. name .. "' is read-only (cannot set '" .. tostring(k) .. "')", 2)
    end,
    __pairs = function() return iterate, proxy, nil end,
    __len = function() return #t end,
    __metatable = "locked",
  })
end

-- Finalizers run inside the garbage collector with Lua's hooks off, so a looping __gc would
-- escape every limit (and could run while the host works): a pack may not set one. An object is
-- marked for finalization only by setmetatable with __gc already present, so this check is enough.
local function safe_setmetatable(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("setmetatable: __gc (finalizers) is not available in a task pack", 2)
  end
  return real_setmetatable(t, mt)
end

-- xpcall runs its handler where the error is raised; for a limit that is inside the count hook,
-- where hooks are off, so a looping handler would run unlimited. This one calls the handler after
-- the protected call returns, as ordinary code under the same limits (after a limit is hit, the
-- hook stops it at once). Packs have no debug library, so the handler cannot tell the difference.
local function safe_xpcall(f, handler, ...)
  local r = pack(real_pcall(f, ...))
  if r[1] then return unpack(r, 1, r.n) end
  local _, v = real_pcall(handler, r[2])
  return false, v
end

-- math.random starts from the same seed in every call (reseeded on first use in a call), so a
-- hook's result never depends on the calls before it; randomseed() without a seed is 42 too.
local real_random, real_randomseed, call_number = math.random, math.randomseed, host.call_number
local seeded_in = -1
local sandbox_math = copy(math)
function sandbox_math.random(...)
  local n = call_number()
  if n ~= seeded_in then seeded_in = n; real_randomseed(42) end
  return real_random(...)
end
function sandbox_math.randomseed(x, y)
  seeded_in = call_number()
  return real_randomseed(x or 42, y)
end

local forbidden = {
  io = true, os = true, debug = true, package = true, coroutine = true, dofile = true,
  loadfile = true, collectgarbage = true, loadstring = true, module = true, socket = true,
}

local base = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  rawequal = rawequal, rawget = rawget, rawlen = rawlen, select = select, tonumber = tonumber,
  tostring = tostring, type = type, xpcall = safe_xpcall, getmetatable = getmetatable,
  setmetatable = safe_setmetatable, _VERSION = _VERSION,
  string = readonly(copy(string), "string"), table = readonly(copy(table), "table"),
  math = readonly(sandbox_math, "math"), utf8 = readonly(copy(utf8), "utf8"),
}
base.rawset = function(t, k, v)
  if protected[t] then error("cannot rawset a read-only table", 2) end
  return real_rawset(t, k, v)
end
real_setmetatable(base, {
  __index = function(_, k)
    if forbidden[k] then
      error("'" .. tostring(k) .. "' is not available in a task pack: packs have no io, os, "
        .. "debug or network access (use rpt.log to print)", 2)
    end
  end,
  __metatable = "locked",
})

local rpt = host.rpt
local rpt_ro = readonly(rpt, "rpt")
for name, mod in pairs(rpt) do
  if type(mod) == "table" then rpt[name] = readonly(mod, "rpt." .. name) end
end

local function log_print(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
  host.log("info", table.concat(parts, "\t"))
end

local LOADING = {}

-- A fresh environment for one pack: globals may be defined while its files load, then it is
-- frozen so hooks stay pure functions. Each dependency's modules run in an environment of their
-- own (made on first use, frozen with the pack's), so packs never share globals; a module is
-- loaded once per run whichever pack requires it.
local function new_env()
  -- loaded: a module's value by its owner and path; known: that key by the requirer and name.
  local frozen, loaded, known, envs = false, {}, {}, {}
  local function make(owner)
    local env = {}
    env._G = env
    env.print = log_print
    env.load = function(chunk, name, mode, chunk_env)
      if mode ~= nil and mode ~= "t" then error("load: only text chunks are allowed (mode \"t\")", 2) end
      return real_load(chunk, name, "t", chunk_env or env)
    end
    env.require = function(name)
      if type(name) ~= "string" then error("require expects a module name (a string)", 2) end
      if name == "rpt" then return rpt_ro end
      local sub = name:match("^rpt%.(.+)$")
      if sub then
        local m = rpt[sub]
        if type(m) ~= "table" then
          error("no module '" .. name .. "' in the rpt library (it has rpt.json, rpt.text, rpt.num, rpt.choice, rpt.log)", 2)
        end
        return m
      end
      local asked = owner .. "\0" .. name
      local cached = loaded[known[asked]]
      if cached == LOADING then error("module '" .. name .. "' requires itself (a require loop)", 2) end
      if cached ~= nil then return cached end
      local src, path, from = host.module_source(name, owner)
      if not src then error(path, 2) end
      local key = from .. "\0" .. path
      known[asked] = key
      cached = loaded[key]
      if cached == LOADING then error("module '" .. name .. "' requires itself (a require loop)", 2) end
      if cached ~= nil then return cached end
      local fn, err = real_load(src, "@" .. path, "t", envs[from] or make(from))
      if not fn then error(err, 0) end
      loaded[key] = LOADING
      local ok, result = pcall(fn, name)
      if not ok then loaded[key] = nil; error(result, 0) end
      if result == nil then result = true end
      loaded[key] = result
      return result
    end
    real_setmetatable(env, {
      __index = base,
      __newindex = function(t, k, v)
        if frozen then
          error("hooks may not set the global '" .. tostring(k) .. "': make it local "
            .. "(hooks must be pure functions)", 2)
        end
        real_rawset(t, k, v)
      end,
      __metatable = "locked",
    })
    envs[owner] = env
    if frozen then protected[env] = true end
    return env
  end
  return make(""), function()
    frozen = true
    for _, env in pairs(envs) do protected[env] = true end
  end
end

return new_env, rpt_ro
"""#
}
