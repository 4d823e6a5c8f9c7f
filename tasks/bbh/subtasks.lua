-- The BBH subtasks of this pack: the kind of answer each wants and the instruction tuning
-- starts from. `kind` decides how the answer is read (answers.lua) and which failure modes exist.
return {
  causal_judgement = { kind = "yes_no",
    instruction = "Answer the question about causation the way a typical person would." },
  date_understanding = { kind = "letter",
    instruction = "Work out the date the question asks for, then choose the option that matches it." },
  formal_fallacies = { kind = "valid",
    instruction = "Decide whether the argument is deductively valid, using only the premises it states." },
  logical_deduction_five_objects = { kind = "letter",
    instruction = "Work out the order of the objects from the statements, then choose the option that is true." },
  navigate = { kind = "yes_no",
    instruction = "Follow the instructions and decide whether they end at the starting point." },
  object_counting = { kind = "number",
    instruction = "Count only the items of the kind the question asks about." },
  tracking_shuffled_objects_three_objects = { kind = "letter",
    instruction = "Track each swap in order, then choose the option that holds at the end." },
  web_of_lies = { kind = "yes_no",
    instruction = "Work out who tells the truth, one person at a time, then answer the question." },
}
