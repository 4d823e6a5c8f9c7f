-- gsm8k: grade-school math word problems with a numeric answer.
-- The model reasons in text and ends with "Answer: <number>"; see README.md.
local rpt = require "rpt"

-- The numbers the worked solution computes on its way (its <<a*b=c>> annotations).
local function intermediates(solution)
  local out = {}
  for v in solution:gmatch("=%s*([%-%d%.,]+)>>") do out[#out + 1] = rpt.num.parse(v) end
  return out
end

---@type rpt.Task
return {
  api = 1,
  name = "gsm8k",
  version = "1.0.0",
  description = "Solve a grade-school math word problem; the answer is a number",
  data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },
  prompt = {
    system = "You are a careful math tutor.",
    sections = {
      { id = "task", text = "Solve the problem. Think step by step." },
      { id = "format", text = "Give the final answer alone on the last line, as: Answer: <number>", frozen = true },
    },
  },
  max_tokens = 512,                                -- room for the worked steps
  output = "text",
  contract = { "Answer:" },    -- extract looks for this line

  render = function(ex) return "Problem: " .. ex.question end,

  -- The number after the last "Answer:" (or "####"); failing that, the last number in the reply.
  extract = function(reply)
    local lower = reply:lower()
    local at
    for pos in lower:gmatch("()answer") do at = pos end
    for pos in reply:gmatch("()####") do at = pos end
    if at then
      local n = rpt.num.first(reply:sub(at))
      if n then return n end
    end
    local n = rpt.num.last(reply)
    if n == nil then return nil, "no number in the reply" end
    return n
  end,

  score = function(answer, ex) return rpt.num.equal(answer, ex.final) and 1 or 0 end,

  failures = {
    format = "The reply has no number",
    intermediate_value = "A number the solution reaches on the way, not the final one: stopped early or answered a sub-question",
    scale = "Off by a factor of 10, 100, 1000, 60, 24, 12 or 7: units, percent or time confusion",
    rounding = "Within 1% of the answer but not equal: rounding or a decimal slip",
    sign = "The right magnitude with the wrong sign",
    wrong_number = "Any other wrong number",
  },

  classify = function(answer, ex)
    local gold = rpt.num.parse(ex.final)
    local detail = tostring(answer) .. " instead of " .. ex.final
    if gold ~= 0 and answer == -gold then return "sign", detail end
    for _, v in ipairs(intermediates(ex.answer)) do
      if rpt.num.equal(answer, v) then return "intermediate_value", detail end
    end
    for _, f in ipairs { 10, 100, 1000, 60, 24, 12, 7 } do
      if rpt.num.equal(answer, gold * f) or rpt.num.equal(answer, gold / f) then return "scale", detail end
    end
    if gold ~= 0 and math.abs(answer - gold) <= 0.01 * math.abs(gold) then return "rounding", detail end
    return "wrong_number", detail
  end,

  -- The upstream worked solution without its calculator annotations, ending "#### N".
  gold = function(ex) return (ex.answer:gsub("<<.->>", "")) end,
}
