import LuaHost

/// The data part of a validated task table: everything but the hook functions.
public struct TaskSpec: Sendable, Equatable {
    public enum Output: String, Sendable { case json, text }

    public var api: Int
    public var name: String
    public var version: String
    public var description: String
    public var prompt: Prompt
    public var output: Output
    public var data: DataSpec
    /// The failure taxonomy: mode name -> what it means. Always has `format`.
    public var failures: [String: String]
    public var idField: String
    /// Words every prompt must keep (case-insensitive) for `extract` to work: tuning rejects a
    /// candidate that drops one. Default: "JSON" for JSON output, nothing for text.
    public var contract: [String]
    public var limits: LuaLimits
    public var hasClassify: Bool
    public var hasGold: Bool
    /// The field holding each example's class (`label = "intent"`): samples are stratified by it.
    public var labelField: String? = nil
    /// Must-pass examples (`regression = "data/regression.jsonl"`): tuning rejects a candidate
    /// that fails one the best prompt passes; `rpt eval --regression` runs them for CI.
    public var regression: [DataFile] = []
    /// Failure modes a candidate may not make more frequent on dev (`protect = { "format" }`).
    public var protected: [String] = []
    /// How a judge model grades the replies, for packs that declare one.
    public var judge: JudgeSpec? = nil
    /// Named metrics that `score` returns as a table, for packs that declare `metrics`.
    public var metrics: MetricSpec? = nil
    /// The files `rpt.prompt_file` read while task.lua loaded (a run records their hashes).
    public var promptFiles: [String] = []

    /// A starting prompt: system text and the instruction as named sections, joined by a blank
    /// line. A plain `instruction` is one section named "instruction". Frozen sections (a label
    /// list, the output contract) are kept as they are by tuning.
    public struct Prompt: Sendable, Equatable, Codable {
        public var system: String
        public var sections: [PromptSection]
        public init(system: String, sections: [PromptSection]) {
            self.system = system
            self.sections = sections
        }
        public init(system: String, instruction: String) {
            self.init(system: system, sections: [PromptSection(id: "instruction", text: instruction)])
        }
        public var instruction: String { PromptSection.join(sections) }

        /// The table task.lua would write inline: what `rpt.prompt_file` returns.
        var luaTable: LuaValue {
            ["system": .string(system),
             "sections": .array(sections.map { ["id": .string($0.id), "text": .string($0.text), "frozen": .bool($0.frozen)] })]
        }
    }

    /// The most tokens a target reply may have, unless the user says otherwise.
    public var maxTokens: Int?

    /// Target replies are bounded unless the user or the pack says otherwise: a small local
    /// model can ramble to the end of its context.
    public static let defaultMaxTokens = 512

    /// The bound on target replies: the user's flag, else the pack's `max_tokens`, else 512.
    public func replyTokens(_ flag: Int?) -> Int { flag ?? maxTokens ?? TaskSpec.defaultMaxTokens }

    /// Dataset files by split (each split one or more files, read in order). Splits without
    /// files are carved from `pool` (the train files, or the only ones) by a seeded, stable hash
    /// of each example's id.
    public struct DataSpec: Sendable, Equatable {
        public var files: [Split: [DataFile]]
        public var carve: Carve?

        public struct Carve: Sendable, Equatable {
            public var pool: [DataFile]
            public var fractions: [Split: Double]
            public var seed: Int
        }
    }

    /// What a failure is called when `extract` could not read the reply.
    public static let formatMode = "format"
    /// What a failure is called when the pack has no `classify`.
    public static let wrongMode = "wrong"

    /// Failure modes sorted by name, `format` first.
    public var failureModes: [String] {
        failures.keys.sorted { a, b in
            a == TaskSpec.formatMode ? b != TaskSpec.formatMode : (b == TaskSpec.formatMode ? false : a < b)
        }
    }
}

/// The hook functions of a loaded task table, as references into one engine.
struct TaskHooks {
    var render: LuaRef
    var extract: LuaRef
    var score: LuaRef
    var classify: LuaRef?
    var gold: LuaRef?
    var reference: LuaRef? = nil
}

/// One named part of an instruction.
public struct PromptSection: Sendable, Hashable, Codable {
    public var id: String
    public var text: String
    public var frozen: Bool
    public init(id: String, text: String, frozen: Bool = false) {
        self.id = id
        self.text = text
        self.frozen = frozen
    }

    /// The instruction the sections make: their texts in order, a blank line between.
    public static func join(_ sections: [PromptSection]) -> String {
        sections.map(\.text).filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    /// A section id: letters, digits, '_' or '-', starting with a letter.
    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.first, first.isASCII, first.isLetter, id.count <= 40 else { return false }
        return id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}

/// A pack's `metrics = { primary = "total", weights = { intent = 1, ... } }`: score returns one
/// number per weighted name and rpt computes the primary (what selection uses) as their
/// weighted mean, so the primary can never disagree with the metrics it summarises.
public struct MetricSpec: Sendable, Equatable {
    public var primary: String
    /// Each metric's weight: finite and positive.
    public var weights: [String: Double]
    public init(primary: String, weights: [String: Double]) {
        self.primary = primary
        self.weights = weights
    }

    /// The metric names, sorted: the order of reports.
    public var names: [String] { weights.keys.sorted() }

    /// The weighted mean, summed in name order so every run gets the same bits.
    public func primary(of values: [String: Double]) -> Double {
        var sum = 0.0, total = 0.0
        for name in names {
            let w = weights[name]!
            sum += w * (values[name] ?? 0)
            total += w
        }
        return total > 0 ? min(1, max(0, sum / total)) : 0
    }
}
