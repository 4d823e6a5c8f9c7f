-- Cases for `rpt check --set subtask=NAME`: replies as models write them, for the subtask the
-- check runs with (rpt.params.subtask); each subtask's answer kind gets its own cases.
local rpt = require "rpt"

local nav = { id = "n1", target = "No", input = "If you follow these instructions, do you return to the starting point? "
  .. "Always face forward. Take 1 step backward. Take 9 steps left.\nOptions:\n- Yes\n- No" }
local cause = { id = "c1", target = "Yes", input = "How would a typical person answer each of the following questions about "
  .. "causation?\nThe black wire touched the battery. Did the black wire cause the short circuit?\nOptions:\n- Yes\n- No" }
local lies = { id = "w1", target = "No", input = "Question: Sherrie tells the truth. Vernell says Sherrie lies. Does Vernell tell the truth?" }
local fallacy = { id = "f1", target = "invalid", input = "\"Whoever is a schoolmate of Sondra is not a stepsister of Pricilla. "
  .. "So whoever is not a stepsister of Pricilla is a schoolmate of Sondra.\"\nIs the argument, given the explicitly stated "
  .. "premises, deductively valid or invalid?\nOptions:\n- valid \n- invalid" }
local count = { id = "o1", target = "8", input = "I have a flute, a piano, a trombone, four stoves, a violin, an accordion, "
  .. "a clarinet, a drum, two lamps, and a trumpet. How many musical instruments do I have?" }
local date = { id = "d1", target = "(B)", input = "Today is Christmas Eve of 1937. What is the date tomorrow in MM/DD/YYYY?\n"
  .. "Options:\n(A) 12/11/1937\n(B) 12/25/1937\n(C) 01/04/1938\n(D) 12/24/1937\n(E) 12/25/2006\n(F) 25/12/1937" }
local order = { id = "l1", target = "(A)", input = "On a branch, there are five birds: a quail, an owl, a raven, a falcon, and "
  .. "a robin. The quail is the rightmost.\nOptions:\n(A) The quail is the rightmost\n(B) The owl is the rightmost\n"
  .. "(C) The raven is the rightmost\n(D) The falcon is the rightmost\n(E) The robin is the rightmost" }
local swaps = { id = "t1", target = "(B)", input = "Alice, Bob, and Claire trade books. At the end of the semester, Bob has\n"
  .. "Options:\n(A) Ulysses\n(B) Frankenstein\n(C) Lolita" }

local function yes_no(ex, wrong_mode)
  local wrong = ex.target == "Yes" and "No" or "Yes"
  return {
    { name = "renders the input as it is", example = ex, rendered = ex.input },
    { name = "answer line", example = ex, reply = "Step by step...\nAnswer: " .. ex.target, answer = ex.target, score = 1 },
    { name = "bold answer with a period", example = ex, reply = "**Answer:** " .. ex.target:lower() .. ".", answer = ex.target, score = 1 },
    { name = "the answer line wins over earlier words", example = ex,
      reply = wrong .. ", at first sight. But no: checking again.\nAnswer: " .. ex.target, answer = ex.target },
    { name = "no answer line: the last yes or no", example = ex, reply = "So the answer must be " .. ex.target .. ".", score = 1 },
    { name = "wrong", example = ex, reply = "Answer: " .. wrong, failure = wrong_mode, detail = wrong .. " instead of " .. ex.target },
    { name = "no yes or no", example = ex, reply = "I am not sure.", failure = "format", detail = "no Yes or No in the reply" },
  }
end

local function letters(ex, other, other_mode)
  return {
    { name = "renders the input as it is", example = ex, rendered = ex.input },
    { name = "answer line", example = ex, reply = "Reasoning...\nAnswer: " .. ex.target, answer = ex.target, score = 1 },
    { name = "bare letter after 'the answer is'", example = ex, reply = "So the answer is " .. ex.target:sub(2, 2) .. ".",
      answer = ex.target, score = 1 },
    { name = "the option's text instead of its letter", example = ex,
      reply = "Answer: " .. select(2, require("answers").options(ex.input))[ex.target:sub(2, 2)], answer = ex.target, score = 1 },
    { name = "another option", example = ex, reply = "Answer: " .. other, failure = other_mode },
    { name = "no option", example = ex, reply = "I cannot tell.", failure = "format" },
  }
end

local by_subtask = {
  navigate = yes_no(nav, "false_yes"),
  causal_judgement = yes_no(cause, "false_no"),
  web_of_lies = yes_no(lies, "false_yes"),
  formal_fallacies = {
    { name = "answer line", example = fallacy, reply = "Reversing the implication is a fallacy.\nAnswer: invalid", answer = "invalid", score = 1 },
    { name = "'not valid' is invalid", example = fallacy, reply = "The argument is not valid.", answer = "invalid", score = 1 },
    { name = "capitalised", example = fallacy, reply = "Answer: Invalid", answer = "invalid" },
    { name = "accepted the fallacy", example = fallacy, reply = "Answer: valid", failure = "accepted_fallacy", detail = "valid instead of invalid" },
    { name = "rejected a valid argument", example = { id = "f2", target = "valid", input = fallacy.input },
      reply = "Answer: invalid", failure = "rejected_valid" },
    { name = "neither", example = fallacy, reply = "Hard to say.", failure = "format" },
  },
  object_counting = {
    { name = "answer line", example = count, reply = "flute, piano, trombone, violin, accordion, clarinet, drum, trumpet\nAnswer: 8",
      answer = "8", score = 1 },
    { name = "a number word", example = count, reply = "The answer is eight.", answer = "8", score = 1 },
    { name = "the last number without an answer line", example = count, reply = "1, 2, 3, 4, 5, 6, 7, 8 instruments: 8", score = 1 },
    { name = "counted the stoves and lamps too", example = count, reply = "Answer: 14", failure = "counted_all_items", detail = "14 instead of 8" },
    { name = "too few", example = count, reply = "Answer: 7", failure = "undercount" },
    { name = "too many", example = count, reply = "Answer: 9", failure = "overcount" },
    { name = "no number", example = count, reply = "Many.", failure = "format", detail = "no number in the reply" },
  },
  date_understanding = (function()
    local cases = letters(date, "(A)", "wrong_option")
    cases[#cases + 1] = { name = "wrong year", example = date, reply = "Answer: (E)", failure = "wrong_year",
                          detail = "(E) 12/25/2006 instead of (B) 12/25/1937" }
    cases[#cases + 1] = { name = "a day off", example = date, reply = "Answer: (D)", failure = "off_by_one_day" }
    return cases
  end)(),
  logical_deduction_five_objects = letters(order, "(C)", "wrong_option"),
  tracking_shuffled_objects_three_objects = letters(swaps, "(A)", "wrong_option"),
}

return by_subtask[rpt.params.subtask]
