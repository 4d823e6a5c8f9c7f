-- Cases for `rpt check`: how extract, score and classify treat replies a real model writes.
local ex = { id = "t1", text = "I am still waiting on my card?", label = "card_arrival" }

return {
  { name = "renders the message", example = ex, rendered = "Customer message: I am still waiting on my card?" },
  { name = "clean JSON", example = ex, reply = '{"intent": "card_arrival", "confidence": 0.92}',
    answer = "card_arrival", confidence = 0.92, score = 1 },
  { name = "chatty reply with a code fence", example = ex,
    reply = 'Sure!\n```json\n{"intent": "card_arrival", "confidence": 0.8}\n```', answer = "card_arrival", score = 1 },
  { name = "label spelled with spaces and capitals", example = ex,
    reply = '{"intent": "Card Arrival"}', answer = "card_arrival", score = 1 },
  { name = "confidence as a percentage", example = ex,
    reply = '{"intent": "card_arrival", "confidence": 85}', confidence = 0.85 },
  { name = "no JSON", example = ex, reply = "The customer is waiting for a card.", failure = "format", score = 0 },
  { name = "JSON without an intent", example = ex, reply = '{"answer": 3}', failure = "format" },
  { name = "invented label", example = ex, reply = '{"intent": "card_missing"}', failure = "unknown_label", score = 0 },
  { name = "same family", example = ex, reply = '{"intent": "card_delivery_estimate"}', failure = "near_miss" },
  { name = "upstream's capitalised label", example = { text = "Where is my refund?", label = "Refund_not_showing_up" },
    reply = '{"intent": "refund_not_showing_up"}', score = 1 },
  { name = "other family", example = ex, reply = '{"intent": "exchange_rate"}', failure = "wrong_intent" },
}
