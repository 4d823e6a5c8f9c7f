-- support-reply: draft the reply to a bank customer's message. A judge model (the user's: rpt
-- eval --judge MODEL) grades each draft on five yes/no criteria against the example's reference
-- reply, written for this pack; see README.md for the bank's process the references follow.
local rpt = require "rpt"

local function words(s)
  local n = 0
  for _ in s:gmatch("%S+") do n = n + 1 end
  return n
end

-- The criteria, in the order of `modes`: the first one a reply misses names its failure.
local criteria = {
  "It answers what the customer asked, or deals with the problem they raised, not a different one.",
  "The next step it gives agrees with the bank's process as the reference reply shows it, and it sends the customer nowhere wrong.",
  "It invents nothing: no fee, amount, time frame, policy or promise that the reference reply does not support.",
  "Its tone is polite, calm and plain, without blame or jargon.",
  "It is short: a few sentences, at most about 100 words, with no filler, subject line or signature.",
}
local modes = { "unanswered", "wrong_next_step", "invented", "tone", "too_long" }

-- Longer than this, a reply scores at most half, whatever the judge says: a count cannot miss it.
local most_words = 160

---@type rpt.Task
return {
  api = 1,
  name = "support-reply",
  version = "1.0.0",
  description = "Draft the reply a bank's support team sends to a customer's message",
  data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },
  label = "label", -- the banking77 intent of the message: samples (--limit) keep a mix
  prompt = {
    system = "You are a customer support agent at a bank whose customers manage everything in its app.",
    sections = {
      { id = "task", text = "Write the reply to the customer's message below: answer their question or deal with their problem, and tell them what to do next." },
      { id = "style", text = "Be polite and plain, and keep it to a few sentences." },
      { id = "format", frozen = true,
        text = "Write only the message to the customer: no subject line, no signature, no notes, no placeholders in brackets." },
    },
  },
  max_tokens = 256,
  output = "text",

  render = function(ex) return "Customer message: " .. ex.text end,

  -- The reply as the customer would read it. An empty reply, or one with a template's
  -- placeholder left in ("[Your Name]"), cannot be sent: a format failure, not the judge's call.
  extract = function(reply)
    local text = rpt.text.trim(reply)
    text = rpt.text.trim(text:gsub("^[Rr]eply:%s*", ""))
    if text == "" then return nil, "an empty reply" end
    local placeholder = text:match("%[[%a ]+%]")
    if placeholder then return nil, "a placeholder left in the reply: " .. placeholder end
    return text
  end,

  judge = {
    rubric = table.concat({
      "You grade a draft reply from a bank's customer support team to one customer message.",
      "The bank works through its app: customers freeze, replace and activate cards, see their PIN, fees, limits and",
      "exchange rates, top up, report transactions they do not recognise, and chat with the support team, all in the app.",
      "When a card may be in someone else's hands, the first step is to freeze it in the app. Only the team can cancel a",
      "sent transfer or close an account. A good reply never quotes a fee, amount or time the bank has not stated, and",
      "never promises an outcome. The reference reply shows the right answer and next step for this message; a reply",
      "may word it differently.",
    }, " "),
    criteria = criteria,
    reference = function(ex) return ex.reference end,
  },

  -- The share of criteria the judge found met, capped at half for a rambling reply.
  score = function(answer, ex, verdict)
    local s = verdict.normalized
    if words(answer) > most_words then s = math.min(s, 0.5) end
    return s
  end,

  failures = {
    format = "The reply is empty or has a template's placeholder left in it",
    unanswered = "It does not answer what the customer asked, or deals with a different problem",
    wrong_next_step = "Its next step is not the bank's process (e.g. no card freeze when a card may be misused, or a step that does not exist)",
    invented = "It states a fee, amount, time frame, policy or promise the bank has not",
    tone = "It is impolite, cold, blaming or full of jargon",
    too_long = "It is longer than a few sentences, or has filler, a subject line or a signature",
  },

  -- The first criterion the judge found missed, with its reason (the detail the optimizer reads).
  classify = function(answer, ex, reply, verdict)
    if words(answer) > most_words then return "too_long", words(answer) .. " words, more than " .. most_words end
    for i, c in ipairs(verdict.criteria) do
      if not c.met then return modes[i], c.reason end
    end
    return "other", verdict.reason
  end,

  gold = function(ex) return ex.reference end,
}
