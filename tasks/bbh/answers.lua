-- Reading a final answer from a real reply, per kind of answer. Models write "Answer: (B)",
-- "**Answer:** Yes.", "the answer is B", "So the argument is invalid.", "I count 8 instruments",
-- or name the option's text instead of its letter; each reader takes the text after the last
-- "answer" when there is one, else the whole reply, and returns the label as BBH writes it.
local rpt = require "rpt"

local M = {}

-- The text after the last "answer" (case-insensitive), or nil.
local function answer_zone(reply)
  local at
  for pos in reply:lower():gmatch("()answer") do at = pos end
  return at and reply:sub(at + #"answer") or nil
end

-- Options "(A) text" listed in the question: letters and their texts.
function M.options(input)
  local letters, texts = {}, {}
  for letter, text in input:gmatch("\n%((%u)%)%s*([^\n]*)") do
    letters[#letters + 1] = letter
    texts[letter] = rpt.text.trim(text)
  end
  return table.concat(letters), texts
end

function M.letter(reply, ex)
  local letters, texts = M.options(ex.input)
  local letter = rpt.choice.letter(reply, letters)
  if not letter then            -- the option's text instead of its letter ("Answer: 12/25/1937")
    local zone, best = answer_zone(reply) or "", 0
    for l, text in pairs(texts) do
      if #text > best and zone:find(text, 1, true) then letter, best = l, #text end
    end
  end
  if not letter then return nil, "no option letter (" .. letters .. ") or option text in the reply" end
  return "(" .. letter .. ")"
end

-- The first of `words` in the answer zone, else the last one anywhere; `words` maps a lower-case
-- word to the label it stands for.
local function word(reply, words, what)
  local function find(text, last)
    local hit, hit_at
    local low = text:lower()
    for w, label in pairs(words) do
      for pos in low:gmatch("()%f[%a]" .. w .. "%f[%A]") do
        if hit_at == nil or (last and pos > hit_at) or (not last and pos < hit_at) then hit, hit_at = label, pos end
        if not last then break end
      end
    end
    return hit
  end
  local zone = answer_zone(reply)
  local found = (zone and find(zone, false)) or find(reply, true)
  if not found then return nil, "no " .. what .. " in the reply" end
  return found
end

function M.yes_no(reply) return word(reply, { yes = "Yes", no = "No" }, "Yes or No") end

function M.valid(reply)
  reply = reply:gsub("[Nn]ot valid", "invalid"):gsub("[Nn]ot deductively valid", "invalid")
  return word(reply, { valid = "valid", invalid = "invalid" }, "valid or invalid")
end

local NUMBER_WORDS = {
  zero = 0, one = 1, two = 2, three = 3, four = 4, five = 5, six = 6, seven = 7, eight = 8, nine = 9, ten = 10,
  eleven = 11, twelve = 12, thirteen = 13, fourteen = 14, fifteen = 15, sixteen = 16, seventeen = 17,
  eighteen = 18, nineteen = 19, twenty = 20,
}
M.NUMBER_WORDS = NUMBER_WORDS

function M.number(reply)
  local zone = answer_zone(reply)
  local n = zone and rpt.num.first(zone)
  if not n and zone then            -- "the answer is eight": a number word among the first words
    local seen = 0
    for w in zone:lower():gmatch("%a+") do
      n, seen = NUMBER_WORDS[w], seen + 1
      if n or seen == 4 then break end
    end
  end
  n = n or rpt.num.last(reply)
  if not n then return nil, "no number in the reply" end
  return tostring(math.tointeger(n) or n)
end

-- object_counting: how many items the question lists, whatever their kind ("a flute, two
-- lamps, and a trumpet" is 4): a reply that gives this counted what it was not asked about.
function M.all_items(input)
  local list = input:match("^I have (.-)%. ") or ""
  local total = 0
  for item in (list:gsub(",? and ", ", ") .. ","):gmatch("%s*([^,]+),") do
    local first = item:match("^(%a+)")
    total = total + ((first == "a" or first == "an") and 1 or NUMBER_WORDS[first or ""] or 1)
  end
  return total
end

return M
