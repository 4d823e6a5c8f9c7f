import Foundation
import LuaHost
import ModelClient

/// A pack's tuning history, `history.json`: one entry per `rpt export`, oldest first. Each says
/// which run made the version, with which models, what it scored before and after (dev, and test
/// with 95% intervals), the failure-mode ledger (each mode initial → best, what the edits fixed
/// and broke), the section edits tried, and the prompt's changes by section.
///
/// Other teams write packs, so a history is read as untrusted: bounded in size, parsed strictly
/// (`read`: every field's type and bound checked, an error naming the field), and its text is
/// escaped and cut wherever it is shown (`HistoryText`, `TuningMemory`).
public struct PackHistory: Sendable, Equatable {
    public static let fileName = "history.json"
    public static let format = 1
    /// The most a history may weigh, and hold: far above what years of exports write.
    public static let maxBytes = 1 << 20
    static let maxEntries = 200, maxModes = 100, maxEdits = 200, maxDiff = 100
    /// The longest text a field may hold: a section's text, a definition, a reason.
    static let maxText = 20_000

    public var entries: [Entry] = []
    public init(entries: [Entry] = []) { self.entries = entries }

    /// A score and, when the run recorded its examples, its 95% bootstrap interval.
    public struct Score: Sendable, Equatable {
        public var value: Double
        public var lower: Double?, upper: Double?
    }

    public struct Entry: Sendable, Equatable {
        public var version: String
        public var fromVersion: String
        /// ISO 8601, when it was exported.
        public var date: String
        /// The run folder's name.
        public var run: String
        /// Role (target, optimizer, critic, judge) -> model name. Names only: never a URL or key.
        public var models: [String: String]
        public var stopReason: String
        public var devInitial: Double, devBest: Double
        public var testExamples: Int
        public var testInitial: Score, testBest: Score
        /// best - initial on the same test examples, with its paired 95% interval.
        public var gain: Score
        public var modes: [ModeChange]
        public var edits: [Edit]
        public var promptDiff: [SectionChange]
    }

    /// One failure mode, from the initial prompt to the best: on dev (what tuning saw) and on test.
    public struct ModeChange: Sendable, Equatable {
        public var mode: String
        public var definition: String
        public var devInitial: Count?, devBest: Count?
        public var testInitial: Int, testBest: Int
        /// Test examples with the mode under the initial prompt and not under the best, and the reverse.
        public var fixed: Int, broke: Int
        /// The kept edits that named the mode or fixed some of it, as "round R section S".
        public var editedBy: [String]
    }

    public struct Count: Sendable, Equatable {
        public var count: Int
        public var prevalence: Double
    }

    /// A section edit the optimizer proposed, kept or not.
    public struct Edit: Sendable, Equatable {
        public var round: Int
        public var section: String
        public var modes: [String]
        public var kept: Bool
        public var devScore: Double?
        public var why: String
        public var text: String
    }

    /// A section the best prompt added, changed or removed.
    public struct SectionChange: Sendable, Equatable {
        public enum Change: String, Sendable { case added, changed, removed }
        public var section: String
        public var change: Change
        public var before: String, after: String
    }
}

// MARK: writing

extension PackHistory {
    public var json: JSONValue {
        ["format": .int(Int64(Self.format)), "entries": .array(entries.map(\.json))]
    }

    /// history.json's text: one entry a line, so a diff of two versions shows the new entry.
    public var fileText: String {
        "{\"format\": \(Self.format), \"entries\": [\n" + entries.map { "  " + JSON.encode($0.json) }.joined(separator: ",\n") + "\n]}\n"
    }
}

extension PackHistory.Score {
    var json: JSONValue {
        lower.map { ["score": .double(value), "ci95": [.double($0), .double(upper ?? $0)]] } ?? ["score": .double(value)]
    }
}

extension PackHistory.Entry {
    var json: JSONValue {
        let test: JSONValue = ["examples": .int(Int64(testExamples)), "initial": testInitial.json, "best": testBest.json, "gain": gain.json]
        let fields: [String: JSONValue] = [
            "version": .string(version), "from_version": .string(fromVersion), "date": .string(date), "run": .string(run),
            "models": .object(models.mapValues(JSONValue.string)), "stop_reason": .string(stopReason),
            "dev": ["initial": .double(devInitial), "best": .double(devBest)], "test": test,
            "modes": .array(modes.map(\.json)), "edits": .array(edits.map(\.json)), "prompt_diff": .array(promptDiff.map(\.json)),
        ]
        return .object(fields)
    }
}

extension PackHistory.ModeChange {
    var json: JSONValue {
        func count(_ c: PackHistory.Count?) -> JSONValue { c.map { ["count": .int(Int64($0.count)), "prevalence": .double($0.prevalence)] } ?? .null }
        let test: JSONValue = ["initial": .int(Int64(testInitial)), "best": .int(Int64(testBest)), "fixed": .int(Int64(fixed)), "broke": .int(Int64(broke))]
        return ["mode": .string(mode), "definition": .string(definition), "dev": ["initial": count(devInitial), "best": count(devBest)],
                "test": test, "edited_by": .array(editedBy.map(JSONValue.string))]
    }
}

extension PackHistory.Edit {
    var json: JSONValue {
        ["round": .int(Int64(round)), "section": .string(section), "modes": .array(modes.map(JSONValue.string)),
         "kept": .bool(kept), "dev_score": devScore.map(JSONValue.double) ?? .null, "why": .string(why), "text": .string(text)]
    }
}

extension PackHistory.SectionChange {
    var json: JSONValue {
        ["section": .string(section), "change": .string(change.rawValue), "before": .string(before), "after": .string(after)]
    }
}
