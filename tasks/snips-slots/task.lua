-- snips-slots: pull the slots of a voice-assistant request out as a JSON object.
-- Scored by field-level F1 over (slot, value) pairs; see README.md.
local rpt = require "rpt"
local slot_names = require "slots"

-- Values match after SQuAD-style normalisation: case, punctuation and articles do not count.
local norm = rpt.text.normalize

-- The (slot, value) pairs of a slot table; a repeated slot is a list of values.
local function pairs_of(slots)
  local out = {}
  for name, v in pairs(slots) do
    if type(v) == "table" then
      for _, x in ipairs(v) do out[#out + 1] = name .. "=" .. norm(x) end
    else
      out[#out + 1] = name .. "=" .. norm(v)
    end
  end
  return out
end

local function count(list)
  local c = {}
  for _, k in ipairs(list) do c[k] = (c[k] or 0) + 1 end
  return c
end

---@type rpt.Task
return {
  api = 1,
  name = "snips-slots",
  version = "1.0.0",
  description = "Extract the slots of a voice-assistant request as a JSON object",
  data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },
  label = "intent", -- samples (--limit) keep every intent's share
  -- Tuning edits "task" (and may add sections); the slot names and the reply format are frozen.
  prompt = {
    system = "You extract structured fields from requests to a voice assistant.",
    sections = {
      { id = "task", text = "Find the slots in the user's request." },
      { id = "slots", text = "Possible slot names: " .. table.concat(slot_names, ", ") .. ".", frozen = true },
      { id = "format", frozen = true,
        text = "Reply with one JSON object that maps each slot present to the exact words of the request "
          .. '(a list of strings if a slot occurs more than once), e.g. {"artist": "clem burke", "playlist": "Pre-Party R&B Jams"}. '
          .. "Reply {} if there are none." },
    },
  },
  max_tokens = 128,
  output = "json",
  contract = { "JSON" },       -- words every tuned prompt must keep

  render = function(ex) return "Request: " .. ex.text end,

  extract = function(reply)
    local obj = rpt.json.extract(reply)
    if type(obj) ~= "table" then return nil, "no JSON object in the reply" end
    if type(obj.slots) == "table" then obj = obj.slots end      -- {"slots": {...}} is fine too
    local out = {}
    for name, v in pairs(obj) do
      if type(name) ~= "string" then return {} end              -- a list such as [] means no slots
      if type(v) == "table" then
        local list = {}
        for _, x in ipairs(v) do list[#list + 1] = tostring(x) end
        out[name] = rpt.json.array(list)
      elseif v ~= rpt.json.null then
        out[name] = tostring(v)
      end
    end
    return out
  end,

  -- F1 over (slot, value) pairs, counting repeats; both empty is a perfect answer.
  score = function(answer, ex)
    local got, want = pairs_of(answer), pairs_of(ex.slots)
    if #got == 0 and #want == 0 then return 1 end
    if #got == 0 or #want == 0 then return 0 end
    local remaining, hit = count(want), 0
    for _, p in ipairs(got) do
      if (remaining[p] or 0) > 0 then remaining[p] = remaining[p] - 1; hit = hit + 1 end
    end
    if hit == 0 then return 0 end
    local precision, recall = hit / #got, hit / #want
    return 2 * precision * recall / (precision + recall)
  end,

  failures = {
    format = "The reply has no complete JSON object (a reply that lists every slot name runs out of room)",
    invented_value = "A value whose words are not in the request: made up, or copied from the prompt's example",
    missing_field = "A slot of the request is not in the answer",
    extra_field = "The answer has a slot the request does not have (only slots the request mentions belong in it)",
    wrong_value = "The right slot with the wrong words (too many, too few, or others)",
  },

  -- Invented values first (the answer must quote the request); then the most frequent problem
  -- of the answer wins; ties go missing, wrong value, extra.
  classify = function(answer, ex)
    local request, invented = " " .. norm(ex.text) .. " ", {}
    for name, v in pairs(answer) do
      for _, x in ipairs(type(v) == "table" and v or { v }) do
        local words = norm(x)
        if words ~= "" and not request:find(" " .. words .. " ", 1, true) then invented[#invented + 1] = name end
      end
    end
    if #invented > 0 then table.sort(invented); return "invented_value", table.concat(invented, ", ") end
    local missing, extra, wrong = {}, {}, {}
    for name, v in pairs(ex.slots) do
      if answer[name] == nil then missing[#missing + 1] = name
      elseif table.concat(pairs_of({ [name] = answer[name] }), "|") ~= table.concat(pairs_of({ [name] = v }), "|") then
        wrong[#wrong + 1] = name
      end
    end
    for name in pairs(answer) do
      if ex.slots[name] == nil then extra[#extra + 1] = name end
    end
    table.sort(missing); table.sort(extra); table.sort(wrong)
    local best, mode = missing, "missing_field"
    if #wrong > #best then best, mode = wrong, "wrong_value" end
    if #extra > #best then best, mode = extra, "extra_field" end
    if #best == 0 then return "wrong_value", "values differ" end
    return mode, table.concat(best, ", ")
  end,

  gold = function(ex) return rpt.json.encode(ex.slots) end,
}
