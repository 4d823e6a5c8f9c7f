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
    /// Whether the best prompt's edits are ablated after the rounds (`--no-ablation` turns it off).
    public var ablation = true
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
        ("reports_kept", 1...100), ("tool_calls_per_round", 1...1_000),
        ("target_max_tokens", 1...Checked.maxTokensPerReply), ("optimizer_max_tokens", 1...Checked.maxTokensPerReply),
        ("budget_tokens", Budget.tokens),
    ]

    /// The settings as config.json and the run_started event hold them (base URLs redacted).
    public var json: JSONValue {
        // Encoding plain strings, numbers and dictionaries cannot fail; the JSON is read back as JSONValue.
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return (try? JSON.decode(String(decoding: data, as: UTF8.self))) ?? .object([:])
    }

    /// Settings read back from config.json: each value of the type its key holds and within its
    /// range, or an error naming the key and what it must be. Keys a run made by an older rpt
    /// lacks take their defaults.
    public init(json v: JSONValue) throws {
        do {
            self = try JSONDecoder().decode(TuneSettings.self, from: Data(JSON.encode(v).utf8))
        } catch let e as DecodingError {
            throw TuneSettings.explain(e, in: v)
        }
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
            "target_max_tokens": targetMaxTokens, "optimizer_max_tokens": optimizerMaxTokens,
        ]
        for (key, range) in TuneSettings.counts {
            if let n = values[key] ?? nil, !range.contains(n) {
                throw TuneSettings.bad(name(key), String(n), "a whole number from \(range.lowerBound) to \(range.upperBound)", file: !option)
            }
        }
        if !(level > 0.5 && level < 1) { throw TuneSettings.bad(name("level"), "\(level)", "a confidence between 0.5 and 1, e.g. 0.95", file: !option) }
        if !(0...2).contains(optimizerTemperature) { throw TuneSettings.bad(name("optimizer_temperature"), "\(optimizerTemperature)", "from 0 to 2", file: !option) }
        if let p = budget.problem { throw TuneSettings.bad(name(p.key), p.value, p.want, file: !option) }
    }

    static func bad(_ key: String, _ value: String, _ want: String, file: Bool = true) -> ModelError {
        ModelError(.config, file ? "config.json: \(key) is \(value.prefix(40)), but must be \(want) (was the file edited?)"
                                 : "\(key) is \(value.prefix(40)), but must be \(want)")
    }
}

/// config.json's keys. Every key is written, `null` when unset, so the run_started event of a
/// resumed run compares equal to the one logged; reading takes the default for a missing key.
extension TuneSettings: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case pack, target, optimizer, critic, alsoTargets = "also_targets", judge, rounds, candidatesPerRound = "candidates_per_round",
             patience, trainSample = "train_sample", devLimit = "dev_limit", testLimit = "test_limit", level, reportsKept = "reports_kept",
             toolCallsPerRound = "tool_calls_per_round", seed, targetMaxTokens = "target_max_tokens",
             optimizerTemperature = "optimizer_temperature", optimizerMaxTokens = "optimizer_max_tokens", budgetTokens = "budget_tokens",
             budgetCost = "budget_cost", budgetSeconds = "budget_seconds", ablation, useHistory = "history", baseURLs = "base_urls", packFiles = "pack_files", parameters
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func or<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        // Counts are read as numbers and converted here: a number that does not fit stays an
        // error naming its key (Foundation's decoder would call the whole file invalid JSON).
        let ranges = Dictionary(uniqueKeysWithValues: TuneSettings.counts)
        func count(_ key: CodingKeys) throws -> Int? {
            guard let n = try c.decodeIfPresent(Double.self, forKey: key) else { return nil }
            guard n == n.rounded(), let i = Checked.int(n, in: ranges[key.rawValue] ?? 0...Int.max) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not a whole number in range")
            }
            return i
        }
        self.init(pack: try c.decode(String.self, forKey: .pack), target: try c.decode(String.self, forKey: .target),
                  optimizer: try c.decode(String.self, forKey: .optimizer))
        critic = try c.decodeIfPresent(String.self, forKey: .critic)
        alsoTargets = try or(.alsoTargets, alsoTargets)
        judge = try c.decodeIfPresent(String.self, forKey: .judge)
        rounds = try count(.rounds) ?? rounds
        candidatesPerRound = try count(.candidatesPerRound) ?? candidatesPerRound
        patience = try count(.patience) ?? patience
        trainSample = try count(.trainSample) ?? trainSample
        devLimit = try count(.devLimit)
        testLimit = try count(.testLimit)
        level = try or(.level, level)
        reportsKept = try count(.reportsKept) ?? reportsKept
        toolCallsPerRound = try count(.toolCallsPerRound) ?? toolCallsPerRound
        seed = try TuneSettings.seed(c)
        targetMaxTokens = try count(.targetMaxTokens)
        optimizerTemperature = try or(.optimizerTemperature, optimizerTemperature)
        optimizerMaxTokens = try count(.optimizerMaxTokens) ?? optimizerMaxTokens
        budget = Budget(maxTokens: try count(.budgetTokens), maxCost: try c.decodeIfPresent(Double.self, forKey: .budgetCost),
                        maxSeconds: try c.decodeIfPresent(Double.self, forKey: .budgetSeconds))
        // A run from before the ablation existed resumes without it (its logged events end without one).
        ablation = try c.decodeIfPresent(Bool.self, forKey: .ablation) ?? false
        useHistory = try c.decodeIfPresent(Bool.self, forKey: .useHistory) ?? true
        baseURLs = try or(.baseURLs, baseURLs)
        packFiles = try or(.packFiles, packFiles)
        parameters = try or(.parameters, parameters)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pack, forKey: .pack)
        try c.encode(target, forKey: .target)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(critic, forKey: .critic)
        try c.encode(alsoTargets, forKey: .alsoTargets)
        try c.encode(judge, forKey: .judge)
        try c.encode(rounds, forKey: .rounds)
        try c.encode(candidatesPerRound, forKey: .candidatesPerRound)
        try c.encode(patience, forKey: .patience)
        try c.encode(trainSample, forKey: .trainSample)
        try c.encode(devLimit, forKey: .devLimit)
        try c.encode(testLimit, forKey: .testLimit)
        try c.encode(level, forKey: .level)
        try c.encode(reportsKept, forKey: .reportsKept)
        try c.encode(toolCallsPerRound, forKey: .toolCallsPerRound)
        // The seed as a number while every JSON reader keeps it exact (jq and JavaScript read
        // numbers as doubles, exact to 2^53), its digits in a string past that.
        if seed <= 1 << 53 { try c.encode(seed, forKey: .seed) } else { try c.encode(String(seed), forKey: .seed) }
        try c.encode(targetMaxTokens, forKey: .targetMaxTokens)
        try c.encode(optimizerTemperature, forKey: .optimizerTemperature)
        try c.encode(optimizerMaxTokens, forKey: .optimizerMaxTokens)
        try c.encode(budget.maxTokens, forKey: .budgetTokens)
        try c.encode(budget.maxCost, forKey: .budgetCost)
        try c.encode(budget.maxSeconds, forKey: .budgetSeconds)
        try c.encode(ablation, forKey: .ablation)
        try c.encode(useHistory, forKey: .useHistory)
        try c.encode(baseURLs.mapValues(Redact.url), forKey: .baseURLs)     // a password is never written down
        try c.encode(packFiles, forKey: .packFiles)
        try c.encode(parameters, forKey: .parameters)
    }

    /// A seed read back: a whole number from 0 to 2^64-1, as a number (every run before the
    /// string form, so old runs resume) or a string of digits; 1 when absent.
    static func seed(_ c: KeyedDecodingContainer<CodingKeys>) throws -> UInt64 {
        let bad = DecodingError.dataCorruptedError(forKey: .seed, in: c, debugDescription: "not a seed")
        if let digits = (try? c.decodeIfPresent(String.self, forKey: .seed)) ?? nil {
            guard digits.utf8.count <= 20, digits.utf8.allSatisfy({ (48...57).contains($0) }), let n = UInt64(digits) else { throw bad }
            return n
        }
        guard let d = try c.decodeIfPresent(Double.self, forKey: .seed) else { return 1 }
        guard d.isFinite, d >= 0, d <= 0x1p53, d == d.rounded() else { throw bad }
        return UInt64(d)
    }

    /// A decoding error as the user can act on it: the key, the value found and what it must be.
    static func explain(_ e: DecodingError, in v: JSONValue) -> ModelError {
        let path: [CodingKey]
        switch e {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        case .keyNotFound(let key, let c): path = c.codingPath + [key]
        @unknown default: path = []
        }
        guard let key = path.first?.stringValue, let field = CodingKeys(stringValue: key) else {
            return ModelError(.config, "config.json is not a run's settings: \(e)")
        }
        guard let raw = v[key] else { return ModelError(.config, "config.json lacks \(key) (was the file edited?)") }
        let range = Dictionary(uniqueKeysWithValues: counts)[key]
        let want: String
        switch field {
        case _ where range != nil: want = "a whole number from \(range!.lowerBound) to \(range!.upperBound)"
        case .seed: want = "a whole number from 0 to \(UInt64.max)"
        case .ablation, .useHistory: want = "true or false"
        case .alsoTargets: want = "a list of model names"
        case .baseURLs, .packFiles, .parameters: want = "an object of strings"
        case .level, .optimizerTemperature, .budgetCost, .budgetSeconds: want = "a number"
        default: want = "a string"
        }
        return bad(key, JSON.encode(raw), want)
    }
}
