-- support-triage: from a bank customer's message, one triage record for the support team:
-- {intent, category, urgency, needs_human}. The intents are banking77's; category, urgency and
-- needs_human follow from the intent by the team's policy in triage.lua (see README.md).
local rpt = require "rpt"
local policy = require "triage"

-- "Card Arrival", "card-arrival" and "card arrival" all mean card_arrival (as in banking77).
local function canonical(s) return (rpt.text.trim(s):lower():gsub("[%s%-]+", "_")) end

local labels, triage = {}, {}
for i, label in ipairs(require "labels") do
  labels[i] = canonical(label)
  triage[labels[i]] = assert(policy[label], "triage.lua has no row for " .. label)
end
local categories = { card = true, payments = true, cash = true, transfers = true, top_up = true,
                     exchange = true, account = true, security = true }
local rank = { low = 1, normal = 2, high = 3 }

-- The record the policy gives an example: what a perfect reply holds.
local function expected(ex)
  local intent = canonical(ex.label)
  local row = triage[intent]
  return { intent = intent, category = row.category, urgency = row.urgency, needs_human = row.needs_human }
end

local function flag(v)
  if type(v) == "boolean" then return v end
  if type(v) == "string" then
    local s = v:lower()
    if s == "true" or s == "yes" then return true end
    if s == "false" or s == "no" then return false end
  end
  return nil
end

local fields = { "intent", "category", "urgency", "needs_human" }

---@type rpt.Task
return {
  api = 1,
  name = "support-triage",
  version = "1.1.0", -- 1.1: a metric per field, a mode per wrong field
  description = "Triage a bank customer's message: intent, queue, urgency and whether a person must act",
  data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },
  label = "label", -- samples (--limit) keep every intent's share
  prompt = {
    system = "You are the triage assistant of a bank's customer support team.",
    sections = {
      { id = "task", text = "Read the customer's message and fill in the triage record the support team works from." },
      { id = "fields", text = table.concat({
          "category: the queue that handles it: card, payments, cash, transfers, top_up, exchange, account or security.",
          "urgency: high, normal or low. High when the customer may be losing money right now; normal when something went wrong or is stuck; low for a question.",
          "needs_human: true when a person on the team must act, false when an answer or the app is enough.",
        }, "\n") },
      { id = "intents", text = "Intents:\n" .. table.concat(labels, ", "), frozen = true },
      { id = "format", frozen = true,
        text = 'Reply with JSON only: {"intent": "<one intent from the list>", "category": "<category>", "urgency": "<high, normal or low>", "needs_human": <true or false>}' },
    },
  },
  max_tokens = 96,
  output = "json",
  contract = { "JSON", "intent", "category", "urgency", "needs_human" },

  render = function(ex) return "Customer message: " .. ex.text end,

  extract = function(reply)
    local obj = rpt.json.extract(reply)
    if type(obj) ~= "table" then return nil, "no JSON object in the reply" end
    local record = {
      intent = type(obj.intent) == "string" and canonical(obj.intent) or nil,
      category = type(obj.category) == "string" and canonical(obj.category) or nil,
      urgency = type(obj.urgency) == "string" and canonical(obj.urgency) or nil,
      needs_human = flag(obj.needs_human),
    }
    if record.intent == nil and record.category == nil and record.urgency == nil and record.needs_human == nil then
      return nil, "the JSON has none of intent, category, urgency, needs_human"
    end
    return record
  end,

  -- One metric per field; the score (primary "total") is their mean, so each field is a quarter.
  metrics = { primary = "total", weights = { intent = 1, category = 1, urgency = 1, needs_human = 1 } },

  score = function(answer, ex)
    local want, got = expected(ex), {}
    for _, f in ipairs(fields) do got[f] = answer[f] == want[f] and 1 or 0 end
    return got
  end,

  -- A mode for each way the record is wrong, costliest first (a missed urgent case first: it is
  -- the mistake the team pays most for). The detail lists every wrong field.
  failures = {
    format = "The reply has no JSON object with the triage fields",
    missed_urgent = "An urgent case (stolen card, a payment the customer did not make, ...) not marked urgency high",
    missed_human = "A case a person must act on marked needs_human false",
    over_escalated = "Urgency higher than the policy's, or needs_human true when the app or an answer is enough",
    wrong_urgency = "Urgency low for a problem that went wrong (normal), or a missing or unknown urgency",
    missing_needs_human = "needs_human missing or not true/false where the policy says false",
    wrong_category = "The wrong queue, or a category not in the list",
    wrong_intent = "The wrong intent",
  },

  classify = function(answer, ex)
    local want, wrong, modes, seen = expected(ex), {}, {}, {}
    for _, f in ipairs(fields) do
      if answer[f] ~= want[f] then wrong[#wrong + 1] = f .. " " .. tostring(answer[f]) .. " instead of " .. tostring(want[f]) end
    end
    local function add(mode) if not seen[mode] then seen[mode] = true; modes[#modes + 1] = mode end end
    local got = rank[answer.urgency]
    if want.urgency == "high" and answer.urgency ~= "high" then add("missed_urgent") end
    if want.needs_human and answer.needs_human ~= true then add("missed_human") end
    if (got and got > rank[want.urgency]) or (answer.needs_human == true and not want.needs_human) then add("over_escalated") end
    if answer.urgency ~= want.urgency and not (seen.missed_urgent or seen.over_escalated) then add("wrong_urgency") end
    if answer.needs_human == nil and not want.needs_human then add("missing_needs_human") end
    if answer.category ~= want.category then add("wrong_category") end
    if answer.intent ~= want.intent then add("wrong_intent") end
    return modes, table.concat(wrong, "; ")
  end,

  gold = function(ex) return rpt.json.encode(expected(ex)) end,
}
