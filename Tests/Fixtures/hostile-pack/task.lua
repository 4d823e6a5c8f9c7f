-- A test pack whose hooks fail on purpose (Tests/MockModels/HostilePack.swift writes its data):
-- render needs `text`, so rows without it fail; extract runs out of memory on a reply with
-- HOG in it and out of instructions on one with SPIN. Any other reply is the answer itself.
local rpt = require "rpt"

---@type rpt.Task
return {
  api = 1,
  name = "hostile",
  version = "1.0.0",
  description = "Repeat the label of a short text",
  data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },
  label = "label",
  prompt = { system = "You label short texts.", instruction = "Reply with the label only." },
  output = "text",
  limits = { instructions = 1000000, memory_mb = 8, seconds = 2 },

  render = function(ex) return "Text: " .. ex.text end,

  extract = function(reply)
    if reply:find("HOG", 1, true) then
      local hog = {}
      for i = 1, 64 do hog[i] = string.rep("x", 1 << 20) .. i end
    end
    if reply:find("SPIN", 1, true) then
      while true do end
    end
    return rpt.text.trim(reply)
  end,

  score = function(answer, ex) return answer == ex.label end,
}
