-- Hostile fixture (issue 10): A __gc finalizer that loops: finalizers run with Lua's hooks off, so it once hung rpt.
local rpt = require "rpt"
return {
  api = 1, name = "finalizer-loop", data = "data/all.jsonl",
  prompt = { system = "s", instruction = "Say the label." },
  render = function(ex)
    setmetatable({}, { __gc = function() while true do end end })
    return ex.text
  end,
  extract = function(reply) return reply end,
  score = function(answer, ex) return answer == ex.label end,
  gold = function(ex) return ex.label end,
}
