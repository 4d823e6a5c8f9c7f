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

    public struct Prompt: Sendable, Equatable, Codable {
        public var system: String
        public var instruction: String
        public init(system: String, instruction: String) {
            self.system = system
            self.instruction = instruction
        }
    }

    /// Dataset files by split, relative to the pack. Splits without a file are carved from
    /// `pool` (the train file, or the only file) by a seeded, stable hash of each example's id.
    public struct DataSpec: Sendable, Equatable {
        public var files: [Split: String]
        public var carve: Carve?

        public struct Carve: Sendable, Equatable {
            public var pool: String
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
}
