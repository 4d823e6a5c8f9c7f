-- Cases for `rpt check`: how final answers are read from worked solutions.
local ex = {
  id = "t1",
  question = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?",
  answer = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72",
  final = "72",
}
local money = { id = "t2", question = "...", answer = "It costs <<1000+234=1234>>1234.\n#### 1234", final = "1234" }

return {
  { name = "renders", example = ex, rendered = "Problem: " .. ex.question },
  { name = "answer line", example = ex, reply = "48 / 2 = 24 in May, 48 + 24 = 72.\nAnswer: 72", answer = 72, score = 1 },
  { name = "answer with words and a period", example = ex, reply = "So the answer is 72 clips.", score = 1 },
  { name = "thousands separator and dollars", example = money, reply = "Total: 1000 + 234\nAnswer: $1,234", answer = 1234, score = 1 },
  { name = "decimal form of an integer", example = ex, reply = "Answer: 72.00", score = 1 },
  { name = "last number when there is no answer line", example = ex, reply = "24 in May, 72 in all", answer = 72, score = 1 },
  { name = "no number at all", example = ex, reply = "I cannot solve this.", failure = "format", score = 0 },
  { name = "stopped at May", example = ex, reply = "Answer: 24", failure = "intermediate_value" },
  { name = "percent confusion", example = ex, reply = "Answer: 7200", failure = "scale" },
  { name = "wrong sign", example = ex, reply = "Answer: -72", failure = "sign" },
  { name = "another number", example = ex, reply = "Answer: 50", failure = "wrong_number" },
}
