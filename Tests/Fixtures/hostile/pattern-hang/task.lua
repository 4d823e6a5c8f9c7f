-- Hostile fixture (issue 10): a pattern that backtracks for hours inside one string.find call,
-- which the instruction and time limits cannot interrupt; the watchdog stops rpt instead.
return {
  api = 1, name = "pattern-hang", data = "data/all.jsonl",
  prompt = { system = "s", instruction = "Say the label." },
  limits = { seconds = 1 },
  render = function(ex)
    local s = string.rep("a", 200000)
    return tostring(s:find(".-.-.-b")) .. ex.text
  end,
  extract = function(reply) return reply end,
  score = function(answer, ex) return answer == ex.label end,
}
