-- bbh: BIG-Bench-Hard subtasks as one pack; the `subtask` parameter picks one
-- (rpt tune tasks/bbh --set subtask=navigate). The data files, the starting instruction, the
-- answer reader and the failure taxonomy all follow the subtask. See README.md.
local rpt = require "rpt"
local subtasks = require "subtasks"
local answers = require "answers"

local names = {}
for name in pairs(subtasks) do names[#names + 1] = name end
table.sort(names)

local params = rpt.parameters {
  subtask = { default = "navigate", values = names, description = "the BBH subtask: its data, instruction and answer kind" },
}
local subtask = params.subtask
local kind = subtasks[subtask].kind

-- What the last line of a reply must look like, per kind of answer.
local FORMAT = {
  letter = "End your reply with one line giving the letter of one option in parentheses, e.g.: Answer: (B)",
  yes_no = "End your reply with one line: Answer: Yes, or Answer: No",
  valid = "End your reply with one line: Answer: valid, or Answer: invalid",
  number = "End your reply with one line giving the count in digits, e.g.: Answer: 7",
}

-- Failure modes, per kind: each names a cause a prompt can address.
local FAILURES = {
  letter = {
    format = "No option could be read from the reply: the final 'Answer: (X)' line is missing or the reply was cut off",
    wrong_option = "A listed option, but not the right one: a slip in the reasoning",
  },
  yes_no = {
    format = "No Yes or No could be read from the reply: the final 'Answer:' line is missing or the reply was cut off",
    false_yes = "Answered Yes where the answer is No: a step was accepted without checking it",
    false_no = "Answered No where the answer is Yes: a step was rejected or lost",
  },
  valid = {
    format = "Neither valid nor invalid could be read from the reply: the final 'Answer:' line is missing or cut off",
    accepted_fallacy = "Called an invalid argument valid: a conclusion that does not follow from the premises alone was accepted",
    rejected_valid = "Called a valid argument invalid: outside knowledge or a misread negation overruled the premises",
  },
  number = {
    format = "No count could be read from the reply: the final 'Answer:' line is missing or the reply was cut off",
    counted_all_items = "Counted every item listed, not only those of the kind asked about",
    undercount = "Counted too few: an item given as 'two ...' counted once, or an item of the kind missed",
    overcount = "Counted too many: an item of another kind counted, or one counted twice",
  },
}
-- date_understanding gets modes for the usual date slips on top of wrong_option.
if subtask == "date_understanding" then
  FAILURES.letter.wrong_year = "The right day and month in the wrong year: a year boundary or a leap year missed"
  FAILURES.letter.day_month_swapped = "The right date with day and month swapped: the UK or US order misread"
  FAILURES.letter.off_by_one_day = "One day off: a month's length or 'yesterday'/'tomorrow' misread"
end

local function mmddyyyy(s)
  local m, d, y = (s or ""):match("^(%d%d)/(%d%d)/(%d%d%d%d)")
  if m then return tonumber(m), tonumber(d), tonumber(y) end
end

-- The date slip between the chosen and the right option, if it is a known one.
local function date_slip(chosen, gold)
  local m1, d1, y1 = mmddyyyy(chosen)
  local m2, d2, y2 = mmddyyyy(gold)
  if not (m1 and m2) then return nil end
  if m1 == m2 and d1 == d2 and y1 ~= y2 then return "wrong_year" end
  if m1 == d2 and d1 == m2 and y1 == y2 then return "day_month_swapped" end
  if y1 == y2 and m1 == m2 and math.abs(d1 - d2) == 1 then return "off_by_one_day" end
end

---@type rpt.Task
return {
  api = 1,
  name = "bbh",
  version = "1.0.0",
  description = "BIG-Bench-Hard reasoning subtasks (--set subtask=NAME): reason, then give the answer on a last line",
  data = {
    train = "data/" .. subtask .. "/train.jsonl",
    dev = "data/" .. subtask .. "/dev.jsonl",
    test = "data/" .. subtask .. "/test.jsonl",
  },
  label = "target",
  prompt = {
    system = "You solve reasoning puzzles carefully.",
    sections = {
      { id = "task", text = subtasks[subtask].instruction },
      { id = "method", text = "Think step by step before you answer." },
      { id = "format", text = FORMAT[kind], frozen = true },
    },
  },
  max_tokens = 768,                -- room for the reasoning before the answer line
  output = "text",
  contract = { "Answer:" },

  render = function(ex) return ex.input end,

  extract = function(reply, ex) return answers[kind](reply, ex) end,

  score = function(answer, ex)
    if kind == "number" then return rpt.num.equal(answer, ex.target) end
    return answer == ex.target
  end,

  failures = FAILURES[kind],

  classify = function(answer, ex)
    local detail = answer .. " instead of " .. ex.target
    if kind == "yes_no" then return answer == "Yes" and "false_yes" or "false_no", detail end
    if kind == "valid" then return answer == "valid" and "accepted_fallacy" or "rejected_valid", detail end
    if kind == "number" then
      local n, gold = rpt.num.parse(answer), rpt.num.parse(ex.target)
      if n == answers.all_items(ex.input) and n ~= gold then return "counted_all_items", detail end
      return n < gold and "undercount" or "overcount", detail
    end
    local _, texts = answers.options(ex.input)
    local chosen, right = texts[answer:sub(2, 2)], texts[ex.target:sub(2, 2)]
    detail = answer .. " " .. (chosen or "?") .. " instead of " .. ex.target .. " " .. (right or "?")
    return (subtask == "date_understanding" and date_slip(chosen, right)) or "wrong_option", detail
  end,

  gold = function(ex) return "Answer: " .. ex.target end,
}
