import Foundation

/// `rpt new NAME`: a small, working pack (support-ticket urgency) that passes `rpt check` and
/// explains the task pack API in its comments.
public enum PackTemplate {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes the pack into `directory`, which must not exist or be empty. Returns the files written.
    @discardableResult
    public static func write(to directory: URL) throws -> [String] {
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: directory.path), !existing.isEmpty {
            throw Refusal(description: "\(directory.path) already exists and is not empty: choose a new folder (nothing was written)")
        }
        let raw = directory.lastPathComponent.lowercased()
        let name = String(raw.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "-" })
        let files: [(String, String)] = [
            ("task.lua", taskLua.replacingOccurrences(of: "{{NAME}}", with: name)),
            ("data/train.jsonl", rows(train, prefix: "train")),
            ("data/dev.jsonl", rows(dev, prefix: "dev")),
            ("data/test.jsonl", rows(test, prefix: "test")),
            ("tests/cases.lua", cases),
            ("README.md", readme.replacingOccurrences(of: "{{NAME}}", with: name)),
            (".luarc.json", LuaAnnotations.luarc),
            ("types/rpt.lua", LuaAnnotations.source),
        ]
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return files.map(\.0)
    }

    static func rows(_ items: [(String, String)], prefix: String) -> String {
        items.enumerated().map { i, item in
            #"{"id": "\#(prefix)-\#(i + 1)", "text": "\#(item.0)", "label": "\#(item.1)"}"#
        }.joined(separator: "\n") + "\n"
    }

    static let train: [(String, String)] = [
        ("Our whole team is locked out of the dashboard and customers cannot check out.", "urgent"),
        ("Could you add a dark mode some day?", "low"),
        ("The invoice for March shows the wrong VAT number, please correct it.", "normal"),
        ("Payments are failing for every card since the last deploy!", "urgent"),
        ("How do I change the language of the emails you send?", "low"),
        ("I was charged twice for my subscription this month.", "normal"),
        ("Production database is down, nothing loads.", "urgent"),
        ("Just wanted to say the new search is great.", "low"),
        ("The export to CSV skips the last row of every report.", "normal"),
        ("Someone changed our admin password and we did not do it.", "urgent"),
        ("Is there a student discount?", "low"),
        ("Two of my users never receive the password reset email.", "normal"),
    ]
    static let dev: [(String, String)] = [
        ("All orders since 9am are stuck in pending and we are losing sales.", "urgent"),
        ("Where can I find your brand logo for a blog post?", "low"),
        ("The mobile app logs me out every few hours.", "normal"),
        ("Our API keys were posted publicly, please revoke them now.", "urgent"),
        ("Could the weekly digest arrive on Mondays instead?", "low"),
        ("Uploading files over 20 MB fails with an error.", "normal"),
    ]
    static let test: [(String, String)] = [
        ("The checkout page returns a 500 error for all customers.", "urgent"),
        ("Do you have a public roadmap?", "low"),
        ("The date picker shows the wrong week start for our region.", "normal"),
        ("We see data from another company in our account!", "urgent"),
        ("Can I get the newsletter as plain text?", "low"),
        ("Search results do not include archived projects.", "normal"),
    ]

    static let taskLua = #"""
-- A task pack: everything rpt needs to know about one task. rpt loads this file in a sandbox
-- (no io, os or network; `require` reaches this pack's own files and the rpt library) and
-- calls the functions below for every example. `rpt check .` tests it all without a model.
local rpt = require "rpt"

local LABELS = { "low", "normal", "urgent" }
local valid = {}
for _, l in ipairs(LABELS) do valid[l] = true end

---@type rpt.Task
return {
  api = 1,                                  -- the task pack API version
  name = "{{NAME}}",
  version = "0.1.0",
  description = "Rate the urgency of a support ticket: low, normal or urgent",

  -- JSONL (one object per line) or CSV with a header. Give train only (or one file) and rpt
  -- carves dev and test from it with a stable, seeded split (see `split`).
  data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },

  -- The prompt the tuning starts from, as named sections joined by a blank line. The user turn
  -- is the instruction, a blank line, then render(example). Tuning edits open sections (and may
  -- add some); frozen ones stay as written, so the output format can never be lost.
  prompt = {
    system = "You triage support tickets.",
    sections = {
      { id = "task", text = "Rate how urgent the ticket is: low, normal or urgent." },
      { id = "format", frozen = true,
        text = 'Reply with JSON only: {"urgency": "low|normal|urgent", "confidence": <0 to 1>}' },
    },
  },
  max_tokens = 64,                          -- the most tokens a reply may have (default 512)
  output = "json",                          -- the reply format the prompt asks for: "json" or "text"

  -- example -> the user message the model sees.
  render = function(ex) return "Ticket: " .. ex.text end,

  -- the model's reply -> the answer (and a confidence in [0, 1], optional),
  -- or nil and the reason it could not be read (counted as a `format` failure).
  extract = function(reply)
    local obj = rpt.json.extract(reply)     -- finds the JSON even inside chatty text
    if type(obj) ~= "table" or type(obj.urgency) ~= "string" then
      return nil, 'no JSON with an "urgency" string'
    end
    local confidence = tonumber(obj.confidence)
    if confidence and (confidence < 0 or confidence > 1) then confidence = nil end
    return rpt.text.trim(obj.urgency):lower(), confidence
  end,

  -- answer -> a score in [0, 1]. Partial credit is fine (e.g. rpt.text.f1).
  score = function(answer, ex) return answer == ex.label and 1 or 0 end,

  -- The failure taxonomy: what can go wrong, in words the optimizer model reads.
  failures = {
    format = "The reply has no JSON with an urgency",
    unknown_label = "The urgency is not low, normal or urgent",
    underrated = "Rated less urgent than it is",
    overrated = "Rated more urgent than it is",
  },

  -- A failed answer -> its failure mode (a key of `failures`) and a short detail.
  classify = function(answer, ex)
    if not valid[answer] then return "unknown_label", answer end
    local rank = { low = 1, normal = 2, urgent = 3 }
    local detail = answer .. " instead of " .. ex.label
    if rank[answer] < rank[ex.label] then return "underrated", detail end
    return "overrated", detail
  end,

  -- The reply a perfect model would write: `rpt check` runs it through extract and score
  -- for every example, and they must give 1.
  gold = function(ex) return rpt.json.encode { urgency = ex.label, confidence = 1 } end,
}
"""#

    static let cases = #"""
-- Test cases that `rpt check` runs: a reply, and what extract, score and classify must make of it.
-- Keys: name, example, reply, answer, confidence, score, failure, rendered.
local ex = { id = "t1", text = "Payments are failing for every card!", label = "urgent" }

return {
  { name = "renders", example = ex, rendered = "Ticket: Payments are failing for every card!" },
  { name = "clean JSON", example = ex, reply = '{"urgency": "urgent", "confidence": 0.9}',
    answer = "urgent", confidence = 0.9, score = 1 },
  { name = "chatty reply", example = ex, reply = 'Sure! {"urgency": "Urgent"} Hope that helps.', score = 1 },
  { name = "no JSON", example = ex, reply = "This looks urgent.", failure = "format", score = 0 },
  { name = "made-up label", example = ex, reply = '{"urgency": "critical"}', failure = "unknown_label" },
  { name = "too calm", example = ex, reply = '{"urgency": "normal"}', failure = "underrated" },
}
"""#

    static let readme = """
    # {{NAME}}

    A task pack for rpt: rate the urgency of a support ticket (low, normal, urgent), as JSON with a
    confidence. Made by `rpt new`; replace the data in `data/` with your own and adapt `task.lua`.

    - `task.lua`: the prompt to start from and the hooks (render, extract, score, classify, gold)
    - `data/`: train (optimization set), dev (selection) and test (held out) as JSONL
    - `tests/cases.lua`: replies and what the hooks must make of them
    - `types/rpt.lua` and `.luarc.json`: annotations so lua-language-server completes and checks
      the task table and the rpt library

    Check it with `rpt check <this folder>`.

    """
}
