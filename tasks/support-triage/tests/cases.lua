-- Cases for `rpt check`: triage replies as a real model writes them, scored against the policy.
local stolen = { id = "t1", text = "Someone stole my card this morning!", label = "lost_or_stolen_card" }
local rate = { id = "t2", text = "What exchange rate do you use?", label = "exchange_rate" }
local refund = { id = "t3", text = "I want my money back for this order", label = "request_refund" }

return {
  { name = "renders the message", example = stolen, rendered = "Customer message: Someone stole my card this morning!" },
  { name = "a perfect record", example = stolen, score = 1,
    reply = '{"intent": "lost_or_stolen_card", "category": "security", "urgency": "high", "needs_human": true}' },
  { name = "fenced, capitals, yes for true", example = stolen, score = 1,
    reply = '```json\n{"intent": "Lost or Stolen Card", "category": "Security", "urgency": "HIGH", "needs_human": "yes"}\n```' },
  { name = "an urgent case marked normal", example = stolen, failure = "missed_urgent", score = 0.75,
    reply = '{"intent": "lost_or_stolen_card", "category": "security", "urgency": "normal", "needs_human": true}' },
  { name = "a refund nobody picks up", example = refund, failure = "missed_human", score = 0.75,
    reply = '{"intent": "request_refund", "category": "payments", "urgency": "normal", "needs_human": false}' },
  { name = "a question escalated", example = rate, failure = "over_escalated", score = 0.5,
    reply = '{"intent": "exchange_rate", "category": "exchange", "urgency": "high", "needs_human": true}' },
  { name = "a question called a problem", example = rate, failure = "over_escalated", score = 0.75,
    reply = '{"intent": "exchange_rate", "category": "exchange", "urgency": "normal", "needs_human": false}' },
  { name = "the wrong queue", example = rate, failure = "wrong_category", score = 0.75,
    reply = '{"intent": "exchange_rate", "category": "payments", "urgency": "low", "needs_human": false}' },
  { name = "only the intent wrong", example = rate, failure = "wrong_intent", score = 0.75,
    reply = '{"intent": "exchange_charge", "category": "exchange", "urgency": "low", "needs_human": false}' },
  { name = "a field missing", example = rate, failure = "wrong_urgency", score = 0.75,
    reply = '{"intent": "exchange_rate", "category": "exchange", "needs_human": false}' },
  { name = "prose", example = rate, failure = "format", score = 0, reply = "This is a low urgency exchange question." },
  { name = "JSON of something else", example = rate, failure = "format", score = 0, reply = '{"answer": 3}' },
}
