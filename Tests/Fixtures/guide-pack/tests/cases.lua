local ex = { id = "t1", text = "play some jazz by Miles Davis", intent = "PlayMusic" }
local movie = { id = "t2", text = "when is Dune showing at the Rex", intent = "SearchScreeningEvent" }

return {
  { name = "renders", example = ex, rendered = "Request: play some jazz by Miles Davis" },
  { name = "clean JSON", example = ex, reply = '{"intent": "PlayMusic", "confidence": 0.8}',
    answer = "PlayMusic", confidence = 0.8, score = 1 },
  { name = "fenced, other spelling", example = ex, reply = 'Here:\n```json\n{"intent": "play_music"}\n```',
    answer = "PlayMusic", score = 1 },
  { name = "no JSON", example = ex, reply = "PlayMusic", failure = "format", detail = 'no JSON with an "intent" string' },
  { name = "made-up intent", example = ex, reply = '{"intent": "Music"}', failure = "unknown_intent", detail = "Music" },
  { name = "playlist for play", example = ex, reply = '{"intent": "AddToPlaylist"}', failure = "music_confusion",
    detail = "AddToPlaylist instead of PlayMusic" },
  { name = "creative work for showtimes", example = movie, reply = '{"intent": "SearchCreativeWork"}',
    failure = "search_confusion" },
  { name = "another intent", example = ex, reply = '{"intent": "GetWeather"}', failure = "wrong_intent" },
}
