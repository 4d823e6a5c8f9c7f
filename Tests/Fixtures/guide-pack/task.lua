-- snips-intents: route a voice-assistant request to one of 7 intents. Written from
-- docs/writing-task-packs.md alone, as the guide's test of itself (Tests/CLITests/GuideTests.swift).
local rpt = require "rpt"

local INTENTS = { "AddToPlaylist", "BookRestaurant", "GetWeather", "PlayMusic", "RateBook",
                  "SearchCreativeWork", "SearchScreeningEvent" }
-- Canonical labels: any case, spaces or underscores map onto the data's spelling.
local CANONICAL = {}
for _, name in ipairs(INTENTS) do CANONICAL[name:lower()] = name end
local function canonical(s)
  return CANONICAL[(rpt.text.trim(s):lower():gsub("[%s_%-]", ""))]
end

-- Confusions a prompt can fix, named by the pair of intents.
local MUSIC = { AddToPlaylist = true, PlayMusic = true }
local SEARCH = { SearchCreativeWork = true, SearchScreeningEvent = true }

---@type rpt.Task
return {
  api = 1,
  name = "snips-intents",
  version = "0.1.0",
  description = "Route a voice-assistant request to one of 7 SNIPS intents",
  data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },
  label = "intent",
  prompt = {
    system = "You route requests made to a voice assistant.",
    sections = {
      { id = "task", text = "Choose the one intent the request asks for." },
      { id = "labels", frozen = true, text = "Intents: " .. table.concat(INTENTS, ", ") },
      { id = "format", frozen = true,
        text = 'Reply with JSON only: {"intent": "<one intent from the list>", "confidence": <0 to 1>}' },
    },
  },
  output = "json",
  max_tokens = 48,
  contract = { "JSON", "intent" },

  render = function(ex) return "Request: " .. ex.text end,

  extract = function(reply)
    local obj = rpt.json.extract(reply)
    if type(obj) ~= "table" or type(obj.intent) ~= "string" then
      return nil, 'no JSON with an "intent" string'
    end
    local confidence = tonumber(obj.confidence)
    if confidence and (confidence < 0 or confidence > 1) then confidence = nil end
    return canonical(obj.intent) or obj.intent, confidence
  end,

  score = function(answer, ex) return answer == ex.intent end,

  failures = {
    format = "The reply has no JSON object with an intent: prose, or the JSON was cut off",
    unknown_intent = "An intent that is not one of the 7: the list was not followed",
    music_confusion = "AddToPlaylist and PlayMusic confused: adding to a playlist is not playing",
    search_confusion = "SearchCreativeWork and SearchScreeningEvent confused: showtimes are screening events",
    wrong_intent = "Another valid intent, not the right one",
  },

  classify = function(answer, ex)
    if not canonical(answer) then return "unknown_intent", answer end
    local detail = answer .. " instead of " .. ex.intent
    if MUSIC[answer] and MUSIC[ex.intent] then return "music_confusion", detail end
    if SEARCH[answer] and SEARCH[ex.intent] then return "search_confusion", detail end
    return "wrong_intent", detail
  end,

  gold = function(ex) return rpt.json.encode { intent = ex.intent, confidence = 1 } end,
}
