import Foundation
import LuaHost
import ModelClient

/// Everything that decides what a tuning run does. Saved as the run's `config.json` (no secrets)
/// and read back by `--resume`.
public struct TuneSettings: Sendable, Equatable {
    public var pack: String
    public var target: String
    public var optimizer: String
    public var critic: String?
    /// Models the initial and the best prompt are also scored on, on test, at the end (`--also-target`).
    public var alsoTargets: [String] = []
    /// The model that grades replies, for a pack with a judge.
    public var judge: String?
    public var rounds = 10
    public var candidatesPerRound = 2
    /// Rounds without a dev gain before stopping.
    public var patience = 3
    /// Examples of the optimization set an evaluation uses (a seeded sample; 0 = all).
    public var trainSample = 100
    public var devLimit: Int?
    public var testLimit: Int?
    /// Confidence that a candidate's dev gain is real before it replaces the best.
    public var level = 0.95
    public var reportsKept = 3
    public var toolCallsPerRound = 12
    public var seed: UInt64 = 1
    public var targetMaxTokens: Int?
    public var optimizerTemperature = 0.7
    /// A bound on each optimizer reply (small models ramble to the end of their context).
    public var optimizerMaxTokens = 2048
    public var budget = Budget()
    /// Base URL overrides by provider (from --base-url). A password in one is written down redacted.
    public var baseURLs: [String: String] = [:]
    /// SHA-256 of each file of the pack the run reads (Lua and data), by path in the pack: a
    /// resume refuses a pack or data that changed. Empty for runs made before it was recorded.
    public var packFiles: [String: String] = [:]
    /// The pack's parameter values (its defaults and the user's --set): a resume loads the pack with them.
    public var parameters: [String: String] = [:]
    /// Whether the optimizer starts from the pack's history.json (`--no-history`: not).
    public var useHistory = true

    public init(pack: String, target: String, optimizer: String) {
        self.pack = pack
        self.target = target
        self.optimizer = optimizer
    }

    /// The limits of every count, shared by the command line and `config.json` (numbers from
    /// outside are never converted unchecked, and a typo cannot ask for a billion rounds).
    static let counts: [(key: String, range: ClosedRange<Int>)] = [
        ("rounds", 1...10_000), ("candidates_per_round", 1...100), ("patience", 1...10_000),
        ("train_sample", 0...10_000_000), ("dev_limit", 1...10_000_000), ("test_limit", 1...10_000_000),
        ("reports_kept", 1...100), ("tool_calls_per_round", 1...1_000), ("seed", 0...(1 << 53)),
        ("target_max_tokens", 1...Checked.maxTokensPerReply), ("optimizer_max_tokens", 1...Checked.maxTokensPerReply),
        ("budget_tokens", 1...1_000_000_000_000),
    ]

    public var json: JSONValue {
        func opt<T>(_ v: T?, _ f: (T) -> JSONValue) -> JSONValue { v.map(f) ?? .null }
        return [
            "pack": .string(pack), "target": .string(target), "optimizer": .string(optimizer),
            "critic": opt(critic) { .string($0) }, "also_targets": .array(alsoTargets.map(JSONValue.string)), "judge": opt(judge) { .string($0) },
            "rounds": .int(Int64(rounds)), "candidates_per_round": .int(Int64(candidatesPerRound)),
            "patience": .int(Int64(patience)), "train_sample": .int(Int64(trainSample)),
            "dev_limit": opt(devLimit) { .int(Int64($0)) }, "test_limit": opt(testLimit) { .int(Int64($0)) },
            "level": .double(level), "reports_kept": .int(Int64(reportsKept)),
            "tool_calls_per_round": .int(Int64(toolCallsPerRound)), "seed": .int(Int64(truncatingIfNeeded: seed)),
            "target_max_tokens": opt(targetMaxTokens) { .int(Int64($0)) },
            "optimizer_temperature": .double(optimizerTemperature), "optimizer_max_tokens": .int(Int64(optimizerMaxTokens)),
            "budget_tokens": opt(budget.maxTokens) { .int(Int64($0)) }, "budget_cost": opt(budget.maxCost) { .double($0) },
            "budget_seconds": opt(budget.maxSeconds) { .double($0) },
            "base_urls": .object(baseURLs.mapValues { .string(Redact.url($0)) }),
            "pack_files": .object(packFiles.mapValues { .string($0) }),
            "parameters": .object(parameters.mapValues { .string($0) }),
            "history": .bool(useHistory),
        ]
    }

    public init(json v: JSONValue) throws {
        guard let pack = v["pack"]?.string, let target = v["target"]?.string, let optimizer = v["optimizer"]?.string else {
            throw ModelError(.config, "config.json lacks pack, target or optimizer")
        }
        self.init(pack: pack, target: target, optimizer: optimizer)
        let ranges = Dictionary(uniqueKeysWithValues: TuneSettings.counts)
        func int(_ k: String) throws -> Int? {
            guard let raw = v[k], raw != .null else { return nil }
            guard let n = Checked.int(raw.number, in: ranges[k]!), raw.number == raw.number?.rounded() else {
                throw TuneSettings.bad(k, JSON.encode(raw), "a whole number from \(ranges[k]!.lowerBound) to \(ranges[k]!.upperBound)")
            }
            return n
        }
        func number(_ k: String) -> Double? { v[k]?.number }
        critic = v["critic"]?.string
        alsoTargets = (v["also_targets"]?.array ?? []).compactMap(\.string)
        judge = v["judge"]?.string
        rounds = try int("rounds") ?? rounds
        candidatesPerRound = try int("candidates_per_round") ?? candidatesPerRound
        patience = try int("patience") ?? patience
        trainSample = try int("train_sample") ?? trainSample
        devLimit = try int("dev_limit")
        testLimit = try int("test_limit")
        level = number("level") ?? level
        reportsKept = try int("reports_kept") ?? reportsKept
        toolCallsPerRound = try int("tool_calls_per_round") ?? toolCallsPerRound
        seed = UInt64(try int("seed") ?? 1)
        targetMaxTokens = try int("target_max_tokens")
        optimizerTemperature = number("optimizer_temperature") ?? optimizerTemperature
        optimizerMaxTokens = try int("optimizer_max_tokens") ?? optimizerMaxTokens
        budget = Budget(maxTokens: try int("budget_tokens"), maxCost: number("budget_cost"), maxSeconds: number("budget_seconds"))
        baseURLs = (v["base_urls"]?.object ?? [:]).compactMapValues(\.string)
        packFiles = (v["pack_files"]?.object ?? [:]).compactMapValues(\.string)
        parameters = (v["parameters"]?.object ?? [:]).compactMapValues(\.string)
        useHistory = v["history"] != .bool(false)
        try check(source: "config.json")
    }

    /// Refuses a setting out of range, naming it as `source` does (an option, or config.json's key).
    public func check(source: String = "config.json") throws {
        let option = source != "config.json"
        func name(_ key: String) -> String {
            guard option else { return key }
            return key == "target_max_tokens" ? "--max-tokens" : "--" + key.replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: "-per-round", with: "")
        }
        let values: [String: Int?] = [
            "rounds": rounds, "candidates_per_round": candidatesPerRound, "patience": patience, "train_sample": trainSample,
            "dev_limit": devLimit, "test_limit": testLimit, "reports_kept": reportsKept, "tool_calls_per_round": toolCallsPerRound,
            "seed": Int(truncatingIfNeeded: seed), "target_max_tokens": targetMaxTokens, "optimizer_max_tokens": optimizerMaxTokens,
            "budget_tokens": budget.maxTokens,
        ]
        for (key, range) in TuneSettings.counts {
            if let n = values[key] ?? nil, !range.contains(n) {
                throw TuneSettings.bad(name(key), String(n), "a whole number from \(range.lowerBound) to \(range.upperBound)", file: !option)
            }
        }
        if !(level > 0.5 && level < 1) { throw TuneSettings.bad(name("level"), "\(level)", "a confidence between 0.5 and 1, e.g. 0.95", file: !option) }
        if !(0...2).contains(optimizerTemperature) { throw TuneSettings.bad(name("optimizer_temperature"), "\(optimizerTemperature)", "from 0 to 2", file: !option) }
        if let c = budget.maxCost, !(c.isFinite && c >= 0) { throw TuneSettings.bad(name("budget_cost"), "\(c)", "US dollars, 0 or more", file: !option) }
        if let t = budget.maxSeconds, !(t.isFinite && t > 0 && t <= 1e9) {
            throw TuneSettings.bad(name("budget_seconds"), "\(t)", "a number of seconds above 0", file: !option)
        }
    }

    static func bad(_ key: String, _ value: String, _ want: String, file: Bool = true) -> ModelError {
        ModelError(.config, file ? "config.json: \(key) is \(value.prefix(40)), but must be \(want) (was the file edited?)"
                                 : "\(key) is \(value.prefix(40)), but must be \(want)")
    }
}
