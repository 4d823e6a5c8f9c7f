-- Hostile fixture (issue 10): Limits a pack sets for itself: 1e300 instructions and math.huge seconds once crashed rpt.
local rpt = require "rpt"
return {
  api = 1, name = "huge-limits", data = "data/all.jsonl",
  prompt = { system = "s", instruction = "Say the label." },
  render = function(ex) return ex.text end,
  extract = function(reply) return reply end,
  score = function(answer, ex) return answer == ex.label end,
  gold = function(ex) return ex.label end,
  limits = { instructions = 1e300, seconds = math.huge, memory_mb = 100 * 1024 },
}
