-- A pack with a judge, for tests: a model grades each free-text reply from 1 to 5 against the
-- example's reference reply, and score passes the verdict through.
local rpt = require "rpt"

return {
  api = 1,
  name = "judged",
  version = "1.0.0",
  description = "Reply to a bank customer (judged)",
  data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },
  prompt = {
    system = "You answer a bank's customers.",
    sections = {
      { id = "task", text = "Reply to the customer's message." },
      { id = "format", text = "Write only the reply.", frozen = true },
    },
  },
  max_tokens = 100,
  output = "text",
  render = function(ex) return "Customer message: " .. ex.text end,
  extract = function(reply)
    local text = rpt.text.trim(reply)
    if text == "" then return nil, "an empty reply" end
    return text
  end,
  judge = {
    rubric = "5: the reply answers the message and gives the bank's next step, as the reference does. 1: it does not help.",
    scale = { 1, 5 },
    reference = function(ex) return ex.reference end,
  },
  score = function(answer, ex, verdict) return verdict.normalized end,
  failures = { weak = "The judge found the reply weak" },
  classify = function(answer, ex, reply, verdict) return "weak", "judged " .. verdict.score end,
  gold = function(ex) return ex.reference end,
}
