-- Hostile fixture (issue 10): A table that refers to one table 2^40 times, encoded by rpt.json.encode: once 3 GB in 10 s.
local rpt = require "rpt"
return {
  api = 1, name = "shared-table", data = "data/all.jsonl",
  prompt = { system = "s", instruction = "Say the label." },
  render = function(ex) return ex.text end,
  extract = function(reply) return reply end,
  score = function(answer, ex) return answer == ex.label end,
  gold = function(ex)
    local t = { 1 }
    for i = 1, 40 do t = { t, t } end
    return rpt.json.encode(t)
  end,
}
