/// The `rpt` library that pack code reaches with `require "rpt"`. JSON and logging are host
/// functions (Swift); text, numbers and choices are plain Lua here, so pack authors can read
/// exactly what they do. Documented for editors in `LuaAnnotations` (TaskPack).
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

-- rpt.num -------------------------------------------------------------------------------
local num = {}

-- "1,234.5", "-3", "+2", "3/4", "1 1/2", "45%", "$12.50", "12 kg", "1e3", "−7" -> number.
-- A percent sign is dropped, not divided: "45%" is 45. Longer than MAX_NUMBER bytes once
-- trimmed is not a number: the patterns below backtrack, so their input stays short.
local MAX_NUMBER = 200
function num.parse(s)
  if type(s) == "number" then return s end
  if type(s) ~= "string" then return nil end
  local t = text.trim(s)
  if #t > MAX_NUMBER then return nil end
  t = t:gsub("\u{2212}", "-"):gsub("%$", ""):gsub("\u{20AC}", "")
    :gsub("\u{00A3}", ""):gsub("\u{00A5}", "")
  t = t:gsub("%%$", ""):gsub("^%s+", ""):gsub("%s+$", "")
  t = t:gsub("%s*%a[%a%.%s]*$", "")                    -- a trailing unit: "12 kg", "5 dollars."
  t = t:gsub("%.$", "")
  local sign, whole, a, b = t:match("^([+-]?)(%d+)%s+(%d+)%s*/%s*(%d+)$")
  if sign then
    local v = tonumber(whole) + tonumber(a) / tonumber(b)
    return sign == "-" and -v or v
  end
  sign, a, b = t:match("^([+-]?)(%d+%.?%d*)%s*/%s*(%d+%.?%d*)$")
  if sign then
    if tonumber(b) == 0 then return nil end
    local v = tonumber(a) / tonumber(b)
    return sign == "-" and -v or v
  end
  if t:match("^[+-]?%d%d?%d?,%d%d%d") then
    if not t:match("^[+-]?%d%d?%d?[,%d]*%.?%d*$") then return nil end
    if t:match(",%d%d?%f[^%d]") or t:match(",%d%d%d%d") then return nil end
    t = t:gsub(",", "")
  end
  t = t:gsub("^%+", "")
  if not t:match("^%-?%d*%.?%d+[eE]?[+-]?%d*$") and not t:match("^%-?%d+%.$") then return nil end
  return tonumber(t)
end

-- Every number in a text, in order (commas as thousands separators, fractions, signs).
function num.all(s)
  local out = {}
  s = tostring(s or ""):gsub("\u{2212}", "-")
  for token in s:gmatch("[+-]?%$?%d[%d,]*%.?%d*%s*/?%s*%d*") do
    token = #token > MAX_NUMBER and "" or token:gsub("[,%.%s/]+$", "")
    local v = num.parse(token)
    if v == nil then v = num.parse((token:gsub(",", ""))) end
    if v ~= nil then out[#out + 1] = v end
  end
  return out
end

function num.first(s) return num.all(s)[1] end

function num.last(s)
  local all = num.all(s)
  return all[#all]
end

-- Equal within a relative tolerance (default 1e-6) or an absolute one (default 1e-9).
function num.equal(a, b, rel, abs)
  a, b = num.parse(a), num.parse(b)
  if a == nil or b == nil then return false end
  rel, abs = rel or 1e-6, abs or 1e-9
  local diff = math.abs(a - b)
  return diff <= abs or diff <= rel * math.max(math.abs(a), math.abs(b))
end
rpt.num = num

-- rpt.choice ----------------------------------------------------------------------------
local choice = {}

local function letter_set(options)
  if type(options) == "number" then return ("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):sub(1, options) end
  return options or "ABCDEFGHIJ"
end

local function last_match(s, pattern, allowed)
  if pattern:sub(1, 1) == "^" then                 -- gmatch does not anchor
    local l = s:match(pattern)
    return l and allowed:find(l:upper(), 1, true) and l:upper() or nil
  end
  local found
  for l in s:gmatch(pattern) do
    l = l:upper()
    if allowed:find(l, 1, true) then found = l end
  end
  return found
end

-- The multiple-choice letter a reply settles on: "The answer is (B)", "Answer: B", "B) ...",
-- "(C)", or a bare "d". `options` is a count (4 -> "ABCD") or a string of letters.
function choice.letter(reply, options)
  local allowed = letter_set(options)
  local s = tostring(reply or "")
  return last_match(s, "[Aa]nswer%s*[Ii]s%s*:?%s*%(?(%a)%)?%f[%W]", allowed)
    or last_match(s, "[Aa]nswer%s*:%s*%(?(%a)%)?%f[%W]", allowed)
    or last_match(s, "^%s*%(?(%a)%)?[%.:]?%s*$", allowed)
    or last_match(s, "^%s*%(?(%a)[%).:]", allowed)
    or last_match(s, "%((%u)%)", allowed)
end
rpt.choice = choice

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
