/// The `rpt` library that pack code reaches with `require "rpt"`. JSON and logging are host
/// functions (Swift); text, numbers and choices are plain Lua here, so pack authors can read
/// exactly what they do. Documented for editors in `LuaAnnotations` (TaskPack). One chunk,
/// assembled from the parts (`rpt.num` and `rpt.choice` have files of their own), so they share
/// its locals (`rpt`, `text`).
enum RptLibrarySource {
    static let source = #"""
local host = ...
local rpt = {}

-- rpt.json ------------------------------------------------------------------------------
local json = {}
json.null = host.null
json.decode = host.json_decode           -- value | nil, error
json.encode = host.json_encode           -- string (keys sorted)
json.extract = host.json_extract         -- first JSON object in chatty text | nil, error
function json.array(t)
  t = t or {}
  if getmetatable(t) == host.array_mt_name then return t end
  return setmetatable(t, host.array_mt)
end
function json.is_null(v) return v == host.null end
rpt.json = json

-- rpt.text ------------------------------------------------------------------------------
local text = {}

-- Linear: "%s+$" would retry at every space of an inner run (quadratic on long runs).
function text.trim(s)
  s = tostring(s or "")
  local first = s:find("%S")
  if not first then return "" end
  return s:sub(first, s:match(".*%S()") - 1)
end

-- SQuAD's normalisation: lower case, no punctuation, no articles, single spaces.
function text.normalize(s)
  s = tostring(s or ""):lower()
  s = s:gsub("%p", "")
  s = s:gsub("%f[%w]an?%f[%W]", " "):gsub("%f[%w]the%f[%W]", " ")
  local words = {}
  for w in s:gmatch("%S+") do words[#words + 1] = w end
  return table.concat(words, " ")
end

function text.tokens(s)
  local out = {}
  for w in text.normalize(s):gmatch("%S+") do out[#out + 1] = w end
  return out
end

function text.exact(a, b) return text.normalize(a) == text.normalize(b) end

-- SQuAD token F1 (multiset overlap of normalised tokens).
function text.f1(prediction, gold)
  local p, g = text.tokens(prediction), text.tokens(gold)
  if #p == 0 or #g == 0 then return (#p == #g) and 1 or 0 end
  local counts, common = {}, 0
  for _, w in ipairs(g) do counts[w] = (counts[w] or 0) + 1 end
  for _, w in ipairs(p) do
    if (counts[w] or 0) > 0 then counts[w] = counts[w] - 1; common = common + 1 end
  end
  if common == 0 then return 0 end
  local precision, recall = common / #p, common / #g
  return 2 * precision * recall / (precision + recall)
end
rpt.text = text

"""# + "\n" + RptNumSource.lua + "\n" + RptChoiceSource.lua + "\n" + #"""
-- rpt.parameters / rpt.params / rpt.dependencies --------------------------------------------
-- The values come from the host (the declaration's defaults and the user's --set; the versions
-- of the packs chosen from the store), checked there; rpt.params is read-only to the pack like the
-- rest of the library.
local function declare(fn, declaration)
  local ok, values = pcall(fn, declaration)
  if not ok then error((tostring(values):gsub("^[^:]*:%d+: ", "")), 3) end   -- at the pack's line
  return values
end
local params = {}
rpt.params = params
function rpt.parameters(declaration)
  for name, value in pairs(declare(host.parameters, declaration)) do params[name] = value end
  return rpt.params
end
function rpt.dependencies(declaration)
  local versions = declare(host.dependencies, declaration)     -- not a tail call: the level counts it
  return versions
end

-- rpt.prompt_file -----------------------------------------------------------------------
-- The prompt as a file of the pack (prompt.md, best_prompt.md's format), read by the host while
-- task.lua loads: `prompt = rpt.prompt_file("prompt.md")`.
function rpt.prompt_file(path)
  local ok, prompt = pcall(host.prompt_file, path)
  if not ok then error(tostring(prompt), 2) end   -- at the pack's line
  return prompt
end

-- rpt.log -------------------------------------------------------------------------------
local log = {}
for _, level in ipairs { "debug", "info", "warn" } do
  log[level] = function(fmt, ...)
    local msg = select("#", ...) > 0 and string.format(fmt, ...) or tostring(fmt)
    host.log(level, msg)
  end
end
rpt.log = log

return rpt
"""#
}
