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
    /// Base URL overrides by provider (from --base-url).
    public var baseURLs: [String: String] = [:]

    public init(pack: String, target: String, optimizer: String) {
        self.pack = pack
        self.target = target
        self.optimizer = optimizer
    }

    public var json: JSONValue {
        func opt<T>(_ v: T?, _ f: (T) -> JSONValue) -> JSONValue { v.map(f) ?? .null }
        return [
            "pack": .string(pack), "target": .string(target), "optimizer": .string(optimizer),
            "critic": opt(critic) { .string($0) },
            "rounds": .int(Int64(rounds)), "candidates_per_round": .int(Int64(candidatesPerRound)),
            "patience": .int(Int64(patience)), "train_sample": .int(Int64(trainSample)),
            "dev_limit": opt(devLimit) { .int(Int64($0)) }, "test_limit": opt(testLimit) { .int(Int64($0)) },
            "level": .double(level), "reports_kept": .int(Int64(reportsKept)),
            "tool_calls_per_round": .int(Int64(toolCallsPerRound)), "seed": .int(Int64(seed)),
            "target_max_tokens": opt(targetMaxTokens) { .int(Int64($0)) },
            "optimizer_temperature": .double(optimizerTemperature), "optimizer_max_tokens": .int(Int64(optimizerMaxTokens)),
            "budget_tokens": opt(budget.maxTokens) { .int(Int64($0)) }, "budget_cost": opt(budget.maxCost) { .double($0) },
            "budget_seconds": opt(budget.maxSeconds) { .double($0) },
            "base_urls": .object(baseURLs.mapValues { .string($0) }),
        ]
    }

    public init(json v: JSONValue) throws {
        guard let pack = v["pack"]?.string, let target = v["target"]?.string, let optimizer = v["optimizer"]?.string else {
            throw ModelError(.config, "config.json lacks pack, target or optimizer")
        }
        self.init(pack: pack, target: target, optimizer: optimizer)
        func int(_ k: String) -> Int? { v[k]?.number.map { Int($0) } }
        critic = v["critic"]?.string
        rounds = int("rounds") ?? rounds
        candidatesPerRound = int("candidates_per_round") ?? candidatesPerRound
        patience = int("patience") ?? patience
        trainSample = int("train_sample") ?? trainSample
        devLimit = int("dev_limit")
        testLimit = int("test_limit")
        level = v["level"]?.number ?? level
        reportsKept = int("reports_kept") ?? reportsKept
        toolCallsPerRound = int("tool_calls_per_round") ?? toolCallsPerRound
        seed = UInt64(int("seed") ?? 1)
        targetMaxTokens = int("target_max_tokens")
        optimizerTemperature = v["optimizer_temperature"]?.number ?? optimizerTemperature
        optimizerMaxTokens = int("optimizer_max_tokens") ?? optimizerMaxTokens
        budget = Budget(maxTokens: int("budget_tokens"), maxCost: v["budget_cost"]?.number, maxSeconds: v["budget_seconds"]?.number)
        baseURLs = (v["base_urls"]?.object ?? [:]).compactMapValues(\.string)
    }
}
