-- Cases for `rpt check`: extraction replies as a real model writes them.
local ex = {
  id = "t1", text = "add clem burke in my playlist Pre-Party R&B Jams",
  slots = { artist = "clem burke", playlist_owner = "my", playlist = "Pre-Party R&B Jams" },
}
local repeated = { id = "t2", text = "play the beatles and abba", slots = { artist = { "the beatles", "abba" } } }
local none = { id = "t3", text = "hello there", slots = {} }

return {
  { name = "renders", example = ex, rendered = "Request: add clem burke in my playlist Pre-Party R&B Jams" },
  { name = "perfect", example = ex, score = 1,
    reply = '{"artist": "clem burke", "playlist_owner": "my", "playlist": "Pre-Party R&B Jams"}' },
  { name = "case and punctuation do not count", example = ex, score = 1,
    reply = '```json\n{"artist": "Clem Burke", "playlist_owner": "my", "playlist": "pre-party r&b jams."}\n```' },
  { name = "one slot missing", example = ex, failure = "missing_field", score = 0.8,
    reply = '{"artist": "clem burke", "playlist": "Pre-Party R&B Jams"}' },
  { name = "an extra slot", example = ex, failure = "extra_field", score = 6 / 7,
    reply = '{"artist": "clem burke", "playlist_owner": "my", "playlist": "Pre-Party R&B Jams", "music_item": "playlist"}' },
  { name = "a value the request does not have", example = ex, failure = "invented_value", score = 2 / 3,
    reply = '{"artist": "madonna", "playlist_owner": "my", "playlist": "Pre-Party R&B Jams"}' },
  { name = "a wrong value", example = ex, failure = "wrong_value", score = 2 / 3,
    reply = '{"artist": "clem", "playlist_owner": "my", "playlist": "Pre-Party R&B Jams"}' },
  { name = "repeated slot as a list", example = repeated, score = 1, reply = '{"artist": ["the beatles", "abba"]}' },
  { name = "half of a repeated slot", example = repeated, score = 2 / 3, failure = "wrong_value",
    reply = '{"artist": "abba"}' },
  { name = "nothing to extract", example = none, score = 1, reply = "{}" },
  { name = "an empty list means nothing", example = none, score = 1, reply = "[]" },
  { name = "wrapped in slots", example = none, score = 1, reply = '{"slots": {}}' },
  { name = "prose only", example = ex, failure = "format", score = 0, reply = "The artist is clem burke." },
}
