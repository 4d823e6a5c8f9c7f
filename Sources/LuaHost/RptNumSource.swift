/// `rpt.num`, part of the `rpt` library chunk (`RptLibrarySource`): numbers as models write
/// them. `parse` and `all` share one reader, so `parse(x)` and `first(x)` agree whenever `x` is
/// one number. Every pattern is anchored or a single character class, so the work is linear in
/// the text (hostile replies can be megabytes long).
enum RptNumSource {
    static let lua = #"""
-- rpt.num -------------------------------------------------------------------------------
local num = {}

-- A number longer than this (in bytes) is not read as one, and `parse` refuses longer text:
-- conversions stay cheap whatever the input.
local MAX_NUMBER = 200

-- What may stand before a number as its currency: "$12", "Rs. 1200", "Rs.336", "₹ 50", "USD 5".
local CURRENCY = {}
for _, c in ipairs { "%$", "\u{20AC}", "\u{00A3}", "\u{00A5}", "\u{20B9}", "[Rr][Ss]%.?", "INR", "US%$", "USD",
                     "EUR", "GBP" } do
  CURRENCY[#CURRENCY + 1] = "^" .. c .. " *"
end

-- Multipliers: words after a number ("3 million", "1.2bn"), and letters written against it
-- ("6K", "2.5M"; "6 m" stays metres).
local SCALE_WORDS = { thousand = 1000, million = 1000000, billion = 1000000000, trillion = 1000000000000,
                      mn = 1000000, bn = 1000000000 }
local SCALE_SUFFIX = { k = 1000, K = 1000, M = 1000000 }

-- The number whose first digit is s[i]: its value and the index after it; nil (and where to go
-- on) when the text there is not a number. Reads "1,234.5" (commas only in groups of three),
-- "1e3", and whole numbers over whole numbers: "3/4", the mixed "1 1/2".
local function read_number(s, i)
  local _, e = s:find("^%d+", i)
  local plain = true                                   -- digits only: may start a fraction
  if e - i < 3 then
    while true do
      local _, g = s:find("^,%d%d%d%f[%D]", e + 1)
      if not g then break end
      e, plain = g, false
    end
  end
  local _, d = s:find("^%.%d+", e + 1)
  if d then e, plain = d, false end
  local _, x = s:find("^[eE][+-]?%d+%f[^%w]", e + 1)   -- "1e3", not "3em"
  if x then e, plain = x, false end
  if e - i >= MAX_NUMBER then return nil, e + 1 end
  local v = tonumber((s:sub(i, e):gsub(",", "")))
  if not plain then return v, e + 1 end
  local _, m, a, b = s:find("^ +(%d+) ?/ ?(%d+)%f[%D]", e + 1)
  if m and #a < 10 and #b < 10 and tonumber(a) < tonumber(b) then
    return v + tonumber(a) / tonumber(b), m + 1
  end
  local _, f, den = s:find("^ ?/ ?(%d+)%f[%D]", e + 1)
  if f then
    if #den >= MAX_NUMBER or tonumber(den) == 0 then return nil, f + 1 end
    return v / tonumber(den), f + 1
  end
  return v, e + 1
end

-- The multiplier a word right after a number stands for (1 if none) and the index after it.
local function read_scale(s, j)
  local space, word, after = s:match("^( ?)(%a+)()", j)
  if not word then return 1, j end
  local m = SCALE_WORDS[word:lower()] or (space == "" and SCALE_SUFFIX[word])
  if m then return m, after end
  return 1, j
end

-- A text that is one number: "1,234.5", "-3", "+2", "3/4", "1 1/2", "45%" (45: a percent sign
-- is dropped, not divided), "$12.50", "Rs. 1200", "6K" (6000), "2.5 million", "12 kg",
-- "36 km/hr", "18 dollars.", "1e3", "−7". Anything else is nil.
function num.parse(s)
  if type(s) == "number" then return s end
  if type(s) ~= "string" then return nil end
  local t = text.trim(s)
  if #t > MAX_NUMBER then return nil end
  t = t:gsub("\u{2212}", "-")
  local neg, i = t:sub(1, 1) == "-", 1
  if t:find("^[+-]") then i = 2 end
  for _, c in ipairs(CURRENCY) do
    local _, e = t:find(c, i)
    if e then i = e + 1; break end
  end
  if not neg and t:find("^%-", i) then neg, i = true, i + 1 end   -- "$-5"
  if t:find("^%.%d", i) then t, i = "0" .. t:sub(i), 1 end         -- ".5"
  if not t:find("^%d", i) then return nil end
  local v, j = read_number(t, i)
  if v == nil then return nil end
  local m
  m, j = read_scale(t, j)
  -- What may follow: a percent sign, a unit or currency ("kg", "km/hr", "dollars", "€"), a period.
  local rest = t:sub(j):gsub("^ *%%", "")
  if rest ~= "" and rest ~= "." and not rest:find("^%s*[%a\128-\255%$][%a%s%./\128-\255%$]*$") then return nil end
  v = v * m
  return neg and -v or v
end

-- Every number in a text, in order, read as `parse` reads one. A sign counts where it starts a
-- number ("x = -3", "-$5"), not between two words or numbers ("2020-2021", "5-3").
function num.all(s)
  s = tostring(s or ""):gsub("\u{2212}", "-")
  local out, pos = {}, 1
  while true do
    local i = s:find("%d", pos)
    if not i then return out end
    local v, j
    if i > 1 and s:sub(i - 1, i - 1) == "." and not s:sub(i - 2, i - 2):find("[%w%.]") then   -- ".5", not "Rs.336"
      local _, e = s:find("^%d+", i)
      if e - i < MAX_NUMBER then v = tonumber("." .. s:sub(i, e)) end
      i, j = i - 1, e + 1
    else
      v, j = read_number(s, i)
    end
    if v ~= nil then
      local m
      m, j = read_scale(s, j)
      v = v * m
      local k = s:sub(i - 1, i - 1) == "$" and i - 2 or i - 1
      if s:sub(k, k) == "-" and not s:sub(k - 1, k - 1):find("%w") then v = -v end
      out[#out + 1] = v
    end
    pos = j
  end
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
"""#
}
