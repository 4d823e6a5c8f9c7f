-- Cases for `rpt check` (no model): what extract reads, and how score and classify use the
-- judge's verdict (`verdict` is what the judge is taken to say; the default is a perfect one).
local stolen = { id = "c1", label = "lost_or_stolen_card", text = "My card is gone I think it was stolen",
                 reference = "Please freeze your card in the app now, then report it stolen there: that cancels it and orders a new one." }
local good = "I'm sorry to hear that. Please freeze your card in the app right away, then report it as stolen there: that cancels the card and orders a replacement."
local all_met = { criteria = { true, true, true, true, true }, reason = "Answers, right steps, nothing invented." }

return {
  { name = "renders the message", example = stolen, rendered = "Customer message: My card is gone I think it was stolen" },
  { name = "a good reply, judged perfect", example = stolen, reply = good, verdict = all_met, answer = good, score = 1 },
  { name = "a 'Reply:' label and spaces are dropped", example = stolen, reply = "Reply:  " .. good .. "\n", answer = good, score = 1 },
  { name = "no freeze: the judge's reason becomes the detail", example = stolen, score = 0.8, failure = "wrong_next_step",
    reply = "Please visit a branch with your ID to order a new card.",
    verdict = { criteria = { true, { met = false, reason = "It does not say to freeze the card, and the bank has no branches." }, true, true, true } } },
  { name = "an invented fee and promise", example = stolen, score = 0.8, failure = "invented",
    reply = "Please freeze your card in the app. We'll refund everything within 24 hours; a new card costs 5 pounds.",
    verdict = { criteria = { true, true, { met = false, reason = "The fee and the 24 hours are invented." }, true, true },
                reason = "Invents a fee and a time." } },
  { name = "a rambling reply scores at most half", example = stolen, failure = "too_long", score = 0.5,
    reply = string.rep("Please freeze your card in the app. ", 30), verdict = all_met },
  { name = "an empty reply", example = stolen, reply = "  \n", failure = "format", score = 0 },
  { name = "a placeholder left in", example = stolen, failure = "format", score = 0,
    reply = "Dear [Customer Name], please freeze your card in the app." },
}
