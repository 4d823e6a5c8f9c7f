-- banking77: route a banking customer's message to one of 77 intents.
-- The model answers in JSON with an intent and a confidence; see README.md.
local rpt = require "rpt"

-- "Card Arrival", "card-arrival" and "card arrival" all mean card_arrival. Upstream spells one
-- label with a capital (Refund_not_showing_up): labels are compared in this form everywhere.
local function canonical(s)
  return (rpt.text.trim(s):lower():gsub("[%s%-]+", "_"))
end

local labels, valid = {}, {}
for i, label in ipairs(require "labels") do
  labels[i] = canonical(label)
  valid[labels[i]] = true
end

-- The family of an intent is its first word ("card", "top", "transfer", ...): a wrong intent of
-- the same family is a near miss, which a better instruction can often fix.
local function family(label) return (label:match("^[^_]+")) end

---@type rpt.Task
return {
  api = 1,
  name = "banking77",
  version = "1.0.0",
  description = "Route a banking customer message to one of 77 intents",
  data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },
  label = "label", -- samples (--limit) keep every intent's share
  -- Sections: tuning edits "task" (and may add sections); the label list and the output format
  -- are frozen, so no candidate can drop a label or the JSON the extract below reads.
  prompt = {
    system = "You are the message router of a bank's customer support.",
    sections = {
      { id = "task", text = "Read the customer's message and choose the one intent that fits it best." },
      { id = "labels", text = "Intents:\n" .. table.concat(labels, ", "), frozen = true },
      { id = "format", frozen = true,
        text = 'Reply with JSON only: {"intent": "<one intent from the list>", "confidence": <a number from 0 to 1>}' },
    },
  },
  max_tokens = 64,                                 -- the JSON reply is short
  output = "json",
  contract = { "JSON", "intent", "confidence" }, -- words every tuned prompt must keep

  render = function(ex) return "Customer message: " .. ex.text end,

  extract = function(reply)
    local obj = rpt.json.extract(reply)
    if type(obj) ~= "table" then return nil, "no JSON object in the reply" end
    local intent = obj.intent or obj.label
    if type(intent) ~= "string" then return nil, 'the JSON has no "intent" string' end
    local confidence = tonumber(obj.confidence)
    if confidence and confidence > 1 and confidence <= 100 then confidence = confidence / 100 end
    if confidence and (confidence < 0 or confidence > 1) then confidence = nil end
    return canonical(intent), confidence
  end,

  score = function(answer, ex) return answer == canonical(ex.label) and 1 or 0 end,

  failures = {
    format = "The reply has no JSON object with an intent string",
    unknown_label = "The intent is not one of the 77 labels",
    near_miss = "A valid intent of the same family as the right one (e.g. card_arrival for card_delivery_estimate)",
    wrong_intent = "A valid intent from another family",
  },

  classify = function(answer, ex)
    if not valid[answer] then return "unknown_label", answer end
    local expected = canonical(ex.label)
    local detail = answer .. " instead of " .. expected
    if family(answer) == family(expected) then return "near_miss", detail end
    return "wrong_intent", detail
  end,

  gold = function(ex) return rpt.json.encode { intent = canonical(ex.label), confidence = 1 } end,
}
