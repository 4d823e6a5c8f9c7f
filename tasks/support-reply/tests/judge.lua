-- Judged cases: `rpt check tasks/support-reply --judge MODEL` asks the judge about each reply and
-- reports whether its verdict (how many of the 5 criteria are met) falls in the range given here.
return {
  { name = "the reference itself", example = "banking77-test-1088", verdict = { 5, 5 },
    reply = "I'm sorry to hear that. Please freeze your card in the app straight away so no more payments can be made. Then open the transaction and tap \"I don't recognise this\" to report it; our team will investigate and let you know what happens next." },
  { name = "a good reply in other words", example = "banking77-test-28", verdict = { 4, 5 },
    reply = "Sorry for the wait! You can follow your card's delivery in the app. If the delivery date shown there has passed, report the card as not arrived in the app and we will send a new one." },
  { name = "invents a fee and a promise", example = "banking77-test-1813", verdict = { 0, 3 },
    reply = "Your payment failed because of our 2 pound processing fee. Don't worry, we guarantee it will work within 24 hours and we will refund the fee." },
  { name = "curt and no help", example = "banking77-test-1894", verdict = { 0, 3 },
    reply = "Read the FAQ." },
  { name = "no freeze for a stolen card", example = "banking77-test-1955", verdict = { 0, 3 },
    reply = "Please go back to the bank branch tomorrow when it opens and ask them to give you your card back." },
  { name = "answers a different question", example = "banking77-test-3009", verdict = { 0, 3 },
    reply = "You can change your PIN at most ATMs, and view it in the app under Card settings." },
  -- Two replies qwen2.5-coder-0.5b wrote on dev, which qwen2.5-coder-1.5b as judge passed in full.
  { name = "echoes the customer's message", example = "banking77-test-1980", verdict = { 0, 2 },
    reply = "Hello. I checked my transactions and saw I was double charged on my card for a restaurant visit. I would like to get my money back." },
  { name = "invents an age limit", example = "banking77-test-480", verdict = { 0, 3 },
    reply = "Hello! How old are you? To get an account for yourself, you need to be at least 18 years old." },
}
