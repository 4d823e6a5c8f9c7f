-- Hostile fixture (issue 10): Hooks that try to change the library and the example for later calls, to inflate the score.
local rpt = require "rpt"
return {
  api = 1, name = "tamper", data = "data/all.jsonl",
  prompt = { system = "s", instruction = "Say the label." },
  render = function(ex) return rpt.text.trim("  " .. ex.text .. "  ") end,
  extract = function(reply, ex)
    pcall(function() local _, t = pairs(rpt.text); t.trim = function() return "x" end end)
    pcall(rawset, rpt.text, "trim", function() return "x" end)
    pcall(function() getmetatable(rpt.json.array{}).__index = function() return "x" end end)
    ex.label = reply                           -- score must still see the real label
    return reply
  end,
  score = function(answer, ex) return answer == ex.label end,
  gold = function(ex) return "wrong" end,
}
