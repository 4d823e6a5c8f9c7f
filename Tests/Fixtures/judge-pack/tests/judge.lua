-- Judged cases: the scripted judge of the tests grades "good" replies 5 and others 2.
return {
  { name = "a good reply", example = "dev-1", reply = "A good reply.", verdict = { 4, 5 } },
  { name = "a weak reply", example = { text = "Why was I charged a fee?", reference = "See the fees in the app." }, reply = "A weak reply, sorry.", verdict = { 1, 2 } },
  { name = "a weak reply the authors call good", example = "dev-2", reply = "Sorry, no.", verdict = 5 },
}
