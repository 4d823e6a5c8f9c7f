import DidYouMean
import Foundation
import JSONText
import TOMLKit

/// One server rpt can talk to, named by the part before ':' in `provider:model`.
public struct EndpointConfig: Sendable, Equatable {
    public enum Kind: String, Sendable { case openai, anthropic }
    public var name: String
    public var kind: Kind
    public var baseURL: String
    /// More base URLs serving the same models (`base_urls` in rpt.toml): requests are spread
    /// over `baseURL` and these by load, and a failing one is set aside (`EndpointPool`).
    public var mirrors: [String] = []
    /// The environment variable holding the key; nil for servers that need none.
    public var apiKeyEnv: String?
    public var concurrency = 16
    public var requestsPerMinute: Double?
    public var tokensPerMinute: Double?
    /// false: always use the JSON protocol in the prompt instead of the server's tool calling.
    public var tools: Bool?
    public var connectTimeout = 10.0
    public var timeout = 600.0
    /// Non-streamed replies send nothing until done, so a stuck transfer is only told from a long
    /// generation by the total timeout; the idle limit guards dead connections.
    public var idleTimeout = 600.0
    public var maxAttempts = 6
    /// The most bytes of one reply, after decompression (`max_reply_mb`).
    public var maxReplyBytes = HTTPRequest.defaultMaxReplyBytes
    /// The longest wait a Retry-After can impose before a retry (`max_retry_wait`, seconds).
    public var maxRetryWait = 60.0

    /// One base URL in place of every configured one (--base-url, OPENAI_BASE_URL: the user said where the server is).
    public mutating func setBaseURL(_ url: String) { setBaseURLs([url]) }

    /// The one place base URLs are set: without trailing slashes, since paths are appended
    /// ("/chat/completions") and a double slash is a different path to some servers.
    mutating func setBaseURLs(_ urls: [String]) {
        let trimmed = urls.map { url in String(url.reversed().drop { $0 == "/" }.reversed()) }
        baseURL = trimmed.first ?? ""
        mirrors = Array(trimmed.dropFirst())
    }

    /// Only web URLs are base URLs (curl would also read file:// and others).
    public static func isWebURL(_ s: String) -> Bool { s.hasPrefix("http://") || s.hasPrefix("https://") }

    /// Every base URL of the provider, the first one first.
    public var baseURLs: [String] { [baseURL] + mirrors }

    public init(name: String, kind: Kind, baseURL: String, apiKeyEnv: String?) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
    }
}

/// US dollars per million tokens.
public struct Price: Sendable, Equatable {
    public var input: Double
    public var output: Double
    public init(input: Double, output: Double) { self.input = input; self.output = output }
    public func cost(_ u: Usage) -> Double { (Double(u.inputTokens) * input + Double(u.outputTokens) * output) / 1e6 }
}

/// Endpoints and prices: built in, then each `rpt.toml` found (user config folder, working
/// folder, task pack; later ones win), then `OPENAI_BASE_URL`.
public struct ModelConfig: Sendable {
    public var endpoints: [String: EndpointConfig]
    public var prices: [String: Price]
    /// The rpt.toml files read, in order.
    public var files: [String] = []
    /// The model that grades replies for packs with a judge, when no --judge is given
    /// (`judge_model`): the user's choice, never a pack's.
    public var judgeModel: String?
    /// Where the server of each `local:NAME` model listens, by NAME: set by `LocalServers.start`
    /// (the command starts them), read by the hub, which starts no process.
    public var localServers: [String: LocalServers.Address] = [:]

    public static let builtIn = ModelConfig(
        endpoints: [
            "openai": EndpointConfig(name: "openai", kind: .openai, baseURL: "https://api.openai.com/v1", apiKeyEnv: "OPENAI_API_KEY"),
            "anthropic": EndpointConfig(name: "anthropic", kind: .anthropic, baseURL: "https://api.anthropic.com/v1", apiKeyEnv: "ANTHROPIC_API_KEY"),
            // local:NAME is a llama.cpp server the command starts (LocalServers); its URL is set then.
            "local": EndpointConfig(name: "local", kind: .openai, baseURL: "http://127.0.0.1:0/v1", apiKeyEnv: nil),
        ],
        // List prices in USD per million tokens when this table was written; override in rpt.toml.
        prices: [
            "openai:gpt-4.1": Price(input: 2.00, output: 8.00),
            "openai:gpt-4.1-mini": Price(input: 0.40, output: 1.60),
            "openai:gpt-4.1-nano": Price(input: 0.10, output: 0.40),
            "openai:gpt-4o-mini": Price(input: 0.15, output: 0.60),
        ])

    /// The config for a run: built-ins, the rpt.toml files that exist, the environment.
    /// The pack's rpt.toml is read only to refuse what it sets (see `Scope.pack`); a working
    /// folder inside the pack is the pack's too, so `cd PACK && rpt eval .` gains nothing.
    public static func load(packDirectory: URL?, workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ModelConfig {
        var config = builtIn
        var candidates: [(URL, Scope)] = []
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { candidates.append((URL(fileURLWithPath: xdg).appendingPathComponent("rpt/rpt.toml"), .user)) }
        else if let home = environment["HOME"] { candidates.append((URL(fileURLWithPath: home).appendingPathComponent(".config/rpt/rpt.toml"), .user)) }
        let pack = packDirectory.map { $0.standardizedFileURL.resolvingSymlinksInPath().path }
        let here = workingDirectory.standardizedFileURL.resolvingSymlinksInPath().path
        let hereIsPack = pack.map { here == $0 || here.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } ?? false
        candidates.append((workingDirectory.appendingPathComponent("rpt.toml"), hereIsPack ? .pack : .user))
        if let packDirectory { candidates.append((packDirectory.appendingPathComponent("rpt.toml"), .pack)) }
        var seen = Set<String>()
        for (url, scope) in candidates where FileManager.default.fileExists(atPath: url.path)
            && seen.insert(url.standardizedFileURL.resolvingSymlinksInPath().path).inserted {
            try config.merge(file: url, scope: scope)
        }
        if let base = environment["OPENAI_BASE_URL"], !base.isEmpty { config.endpoints["openai"]?.setBaseURL(base) }
        return config
    }

    /// Whose file an rpt.toml is. The user's may set anything. A task pack is shared code from
    /// someone else: a server, a key variable, a rate or a price in it would send the user's key
    /// to the pack's server or switch off the cost budget, so a pack's file may set nothing here.
    /// Task defaults (limits, splits, contract) belong in its task.lua.
    public enum Scope: Sendable { case user, pack }

    /// Reads one rpt.toml on top of this config. Unknown keys are errors with a suggestion.
    public mutating func merge(file url: URL, scope: Scope = .user) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw ModelError(.config, "\(url.path):\(e.source.begin.line): \(e.description)")
        }
        if scope == .pack {
            let keys = ModelConfig.leafKeys(table)
            guard keys.isEmpty else {
                let named = keys.prefix(6).joined(separator: ", ") + (keys.count > 6 ? " and \(keys.count - 6) more" : "")
                throw ModelError(.config, "\(url.path): \(named): a task pack may not set providers, endpoints, API key variables, "
                    + "limits or prices (they are yours, not the pack's); move what you trust to ~/.config/rpt/rpt.toml or to an "
                    + "rpt.toml in the folder you run rpt from, and delete this file from the pack")
            }
        }
        try merge(toml: table, file: url.path)
        files.append(url.path)
    }

    /// Dotted paths of every value in a table, sorted, for naming what a file sets.
    static func leafKeys(_ table: TOMLTable, prefix: String = "") -> [String] {
        table.keys.sorted().flatMap { key -> [String] in
            let name = key.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) ? "\"\(key)\"" : key
            guard let sub = table[key]?.table else { return [prefix + name] }
            let inner = leafKeys(sub, prefix: prefix + name + ".")
            return inner.isEmpty ? [prefix + name] : inner
        }
    }

    mutating func merge(toml: TOMLTable, file: String) throws {
        func fail(_ key: String, _ message: String) -> ModelError { ModelError(.config, "\(file): \(key): \(message)") }
        for key in toml.keys where !["providers", "prices", "judge_model"].contains(key) {
            throw fail(key, "unknown section" + Spelling.suggestion(for: key, among: ["providers", "prices", "judge_model"])
                       + "; rpt.toml has judge_model = \"provider:model\", [providers.NAME] and [prices.\"provider:model\"]")
        }
        if let v = toml["judge_model"] {
            guard let name = v.string, (try? ModelName(parsing: name)) != nil else {
                throw fail("judge_model", "must be a model name \"provider:model\", e.g. \"openai:gpt-4.1-mini\"")
            }
            judgeModel = name
        }
        if let providers = toml["providers"]?.table {
            for name in providers.keys {
                guard let p = providers[name]?.table else { throw fail("providers.\(name)", "must be a table") }
                var e = endpoints[name] ?? EndpointConfig(name: name, kind: .openai, baseURL: "", apiKeyEnv: nil)
                for key in p.keys {
                    let v = p[key]!
                    let at = "providers.\(name).\(key)"
                    switch key {
                    case "kind":
                        guard let k = v.string.flatMap(EndpointConfig.Kind.init) else { throw fail(at, "must be \"openai\" or \"anthropic\"") }
                        e.kind = k
                    case "base_url":
                        guard let s = v.string, EndpointConfig.isWebURL(s) else { throw fail(at, "must be an http(s) URL") }
                        guard p["base_urls"] == nil else { throw fail(at, "give base_url or base_urls, not both") }
                        e.setBaseURLs([s])
                    case "base_urls":
                        let urls = (v.array ?? []).compactMap { $0.string }.filter(EndpointConfig.isWebURL)
                        guard !urls.isEmpty, urls.count == v.array?.count else { throw fail(at, "must be a list of one or more http(s) URLs") }
                        e.setBaseURLs(urls)
                    case "api_key_env":
                        guard let s = v.string else { throw fail(at, "must be the name of an environment variable") }
                        e.apiKeyEnv = s.isEmpty ? nil : s
                    case "tools":
                        guard let b = v.bool else { throw fail(at, "must be true or false") }
                        e.tools = b
                    case "concurrency", "max_attempts":
                        // Bounded so a typo cannot open thousands of connections or retry forever.
                        guard let n = v.int, (1...1024).contains(n) else { throw fail(at, "must be an integer from 1 to 1024") }
                        if key == "concurrency" { e.concurrency = n } else { e.maxAttempts = n }
                    case "max_reply_mb":
                        guard let n = ModelConfig.number(v), n >= 0.001, n <= 4096 else { throw fail(at, "must be a number of megabytes from 0.001 to 4096") }
                        e.maxReplyBytes = Int(n * 1_048_576)
                    case "max_retry_wait":
                        guard let n = ModelConfig.number(v), n >= 0, n <= 3600 else { throw fail(at, "must be a number of seconds from 0 to 3600") }
                        e.maxRetryWait = n
                    case "requests_per_minute", "tokens_per_minute", "timeout", "connect_timeout", "idle_timeout":
                        // Finite and bounded: the timeouts become curl's milliseconds (an Int) and the rates a sleep.
                        let rate = key.hasSuffix("per_minute")
                        guard let n = ModelConfig.number(v), rate ? n >= 1 && n <= 1e12 : n > 0 && n <= 86_400 else {
                            throw fail(at, rate ? "must be a number from 1 to 1e12" : "must be a number of seconds above 0, at most 86400")
                        }
                        switch key {
                        case "requests_per_minute": e.requestsPerMinute = n
                        case "tokens_per_minute": e.tokensPerMinute = n
                        case "timeout": e.timeout = n
                        case "connect_timeout": e.connectTimeout = n
                        default: e.idleTimeout = n
                        }
                    default:
                        let known = ["kind", "base_url", "base_urls", "api_key_env", "tools", "concurrency", "max_attempts", "requests_per_minute",
                                     "tokens_per_minute", "timeout", "connect_timeout", "idle_timeout", "max_reply_mb", "max_retry_wait"]
                        throw fail(at, "unknown key" + Spelling.suggestion(for: key, among: known))
                    }
                }
                guard !e.baseURL.isEmpty else { throw fail("providers.\(name)", "needs base_url") }
                endpoints[name] = e
            }
        }
        if let prices = toml["prices"]?.table {
            for model in prices.keys {
                guard let p = prices[model]?.table, let input = p["input"].flatMap(ModelConfig.number), let output = p["output"].flatMap(ModelConfig.number),
                      input >= 0, output >= 0, p.keys.allSatisfy({ $0 == "input" || $0 == "output" }) else {
                    throw fail("prices.\(model)", "must be { input = USD per million tokens, output = USD per million tokens }, numbers of 0 or more")
                }
                self.prices[model] = Price(input: input, output: output)
            }
        }
    }

    /// A TOML integer or float, finite (TOML allows inf and nan).
    static func number(_ v: TOMLValueConvertible) -> Double? {
        guard let n = v.double ?? v.int.map(Double.init), n.isFinite else { return nil }
        return n
    }

    /// The price of `provider:model`: the table's, free for local models and cassettes, nil when unknown.
    public func price(for model: String) -> Price? {
        prices[model] ?? (model.hasPrefix("local:") || model.hasPrefix("replay:") ? Price(input: 0, output: 0) : nil)
    }

    /// The models of `models` without a price, for refusing a cost budget that could not hold.
    public func unpriced(_ models: [String]) -> [String] {
        var seen = Set<String>()
        return models.filter { price(for: $0) == nil && seen.insert($0).inserted }
    }

    /// Refuses a cost budget when a model of the run has no price: its spending would be unknown,
    /// so the budget could not stop anything.
    public func checkCostBudget(_ budget: Budget, models: [String]) throws {
        guard budget.maxCost != nil else { return }
        let missing = unpriced(models)
        guard let first = missing.first else { return }
        throw ModelError(.config, "--budget-cost needs a price for every model of the run, and "
            + missing.joined(separator: ", ") + (missing.count == 1 ? " has none" : " have none")
            + ": add [prices.\"\(first)\"] with input = and output = (US dollars per million tokens) to your rpt.toml, "
            + "or drop --budget-cost")
    }
}

/// `provider:model`, e.g. `openai:gpt-4.1-mini`, `anthropic:claude-sonnet-4-5`, `local:smollm2`,
/// `replay:cassette.jsonl`.
public struct ModelName: Sendable, Equatable, CustomStringConvertible {
    public var provider: String
    public var model: String

    public init(parsing text: String) throws {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex else {
            throw ModelError(.config, "'\(text)' is not a model name: use provider:model, e.g. openai:gpt-4.1-mini or local:smollm2")
        }
        provider = String(text[..<colon])
        model = String(text[text.index(after: colon)...])
    }

    public var description: String { "\(provider):\(model)" }
}
