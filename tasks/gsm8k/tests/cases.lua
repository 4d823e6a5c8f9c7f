-- Cases for `rpt check`: how final answers are read from worked solutions.
local ex = {
  id = "t1",
  question = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?",
  answer = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72",
  final = "72",
}
local money = { id = "t2", question = "...", answer = "It costs <<1000+234=1234>>1234.\n#### 1234", final = "1234" }
local half = { id = "t3", question = "...", answer = "5/2 = <<5/2=2.5>>2.5\n#### 2.5", final = "2.5" }
local salary = { id = "t4", question = "...", answer = "6*1000 = <<6*1000=6000>>6000\n#### 6000", final = "6000" }
local speed = { id = "t5", question = "...", answer = "72/2 = <<72/2=36>>36\n#### 36", final = "36" }

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
  { name = "wrong sign", example = ex, reply = "Answer: -72", failure = "sign", detail = "-72 instead of 72" },
  -- numbers as models write them
  { name = "mixed number", example = half, reply = "Each gets 2 1/2 cups.\nAnswer: 2 1/2", answer = 2.5, score = 1 },
  { name = "rupees", example = money, reply = "She pays Rs. 1,000 and Rs.234.\nAnswer: Rs.1234", answer = 1234, score = 1 },
  { name = "thousands as K", example = salary, reply = "Answer: 6K", answer = 6000, score = 1 },
  { name = "a unit with a slash", example = speed, reply = "Answer: 36 km/hr", answer = 36, score = 1 },
  { name = "another number", example = ex, reply = "Answer: 50", failure = "wrong_number" },
}
