-- Hostile fixture (issue 10): An xpcall message handler that loops: it once ran unlimited from inside the limit hook.
local rpt = require "rpt"
return {
  api = 1, name = "xpcall-loop", data = "data/all.jsonl",
  prompt = { system = "s", instruction = "Say the label." },
  limits = { seconds = 60 },   -- the instruction limit must fire first, however busy the machine
  render = function(ex) return ex.text end,
  extract = function(reply)
    xpcall(function() while true do end end, function() while true do end end)
    return reply
  end,
  score = function(answer, ex) return answer == ex.label end,
  gold = function(ex) return ex.label end,
}
