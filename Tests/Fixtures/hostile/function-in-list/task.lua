-- Hostile fixture (issue 10): A task table holding a list with a function in it: once made rpt abort (SIGABRT).
local rpt = require "rpt"
return {
  api = 1, name = "function-in-list", data = "data/all.jsonl",
  prompt = { system = "s", instruction = "Say the label." },
  render = function(ex) return ex.text end,
  extract = function(reply) return reply end,
  score = function(answer, ex) return answer == ex.label end,
  gold = function(ex) return ex.label end,
  helpers = { function() end },
}
