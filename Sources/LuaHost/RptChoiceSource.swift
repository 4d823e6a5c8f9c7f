/// `rpt.choice`, part of the `rpt` library chunk (`RptLibrarySource`): the letter a
/// multiple-choice reply settles on, as models really write it ("The correct option is B.",
/// `{"answer": "C"}`, "I choose option 'D'", "**Answer:** (C)"). Each keyword is found with a
/// plain search and read in a bounded window after it, so the work is linear in the reply.
enum RptChoiceSource {
    static let lua = #"""
-- rpt.choice ----------------------------------------------------------------------------
local choice = {}

local function letter_set(options)
  if type(options) == "number" then return ("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):sub(1, options) end
  return options or "ABCDEFGHIJ"
end

-- Words that introduce the chosen letter, strongest first: an answer line beats a mention of an
-- option ("The answer is B, because option A ..."). Within a tier the last mention wins (a reply
-- that corrects itself). `before` phrases follow the letter ("B is correct").
local TIERS = {
  { after = { "answer" } },
  { after = { "choice", "letter" },
    before = { "is correct", "is the correct", "is right", "is the right", "is the answer", "is the best" } },
  { after = { "option" } },
  { after = { "choose", "pick", "select", "go with" } },
}

-- What may stand between a keyword and its letter, longest first: "is", "would be", ...
local VERBS = { "is actually", "is clearly", "is likely", "is probably", "is definitely", "seems to be", "appears to be",
                "would be", "should be", "will be", "must be", "is", "was" }

local WINDOW = 48

-- The letter right after a keyword, in the text `w` that follows it: '": "C"', ': **B**',
-- ' is (C).', " 'D'", ' is $\boxed{B}$'. A word is not a letter ("Both", "a bit").
local function letter_after(w)
  w = w:gsub("\\%a+{", ""):gsub("[%*_`%$]", "")           -- markdown and LaTeX wrappers
  w = w:gsub("^[\"']?%s*[:=]?%s*", "")                     -- '": ', ': ', ' = '
  local low = w:lower()
  for _, v in ipairs(VERBS) do
    if low:find("^" .. v .. "[%s:]") then w = w:sub(#v + 1):gsub("^%s*:?%s*", ""); break end
  end
  local l, after = w:match("^[\"'%(%[{]*(%a)[\"'%)%]}]*()")
  if not l or w:find("^%w", after) then return nil end
  if l == "a" and w:find("^a%s+%a") then return nil end   -- the article: "the answer is a bit ..."
  return l:upper()
end

-- The letter right before a phrase such as "is correct", in the text `w` that precedes it.
local function letter_before(w)
  local l = (" " .. w):match("%W(%a)[\"'%)%]%*]*%s*$")
  return l and l:upper()
end

-- The multiple-choice letter a reply settles on. `options` is a count (4 -> "ABCD") or a
-- string of letters; a letter outside them is not an answer.
function choice.letter(reply, options)
  local allowed = letter_set(options)
  local s = tostring(reply or "")
  local low = s:lower()                                  -- same byte offsets as s
  local function ok(l) return l and allowed:find(l, 1, true) and l or nil end
  for _, tier in ipairs(TIERS) do
    local found, at = nil, 0
    for _, word in ipairs(tier.after) do
      local init = 1
      while true do
        local b, e = low:find(word, init, true)
        if not b then break end
        -- a whole word: not "reanswer", "answered", "options"
        if (b == 1 or not low:find("^%a", b - 1)) and not low:find("^%a", e + 1) then
          local l = ok(letter_after(s:sub(e + 1, e + WINDOW)))
          if l and b > at then found, at = l, b end
        end
        init = e + 1
      end
    end
    for _, phrase in ipairs(tier.before or {}) do
      local init = 1
      while true do
        local b, e = low:find(phrase, init, true)
        if not b then break end
        local l = ok(letter_before(s:sub(math.max(1, b - 12), b - 1)))
        if l and b > at then found, at = l, b end
        init = e + 1
      end
    end
    if found then return found end
  end
  -- No keyword: the reply is a letter ("B", "(c)."), starts with one ("D) because ..."), or
  -- names one in parentheses ("(C)", the last one).
  local l = s:match("^%s*%(?(%a)%)?[%.:]?%s*$") or s:match("^%s*%(?(%a)[%).:]")
  if ok(l and l:upper()) then return l:upper() end
  local last
  for p in s:gmatch("%((%u)%)") do last = ok(p) or last end
  return last
end
rpt.choice = choice
"""#
}
