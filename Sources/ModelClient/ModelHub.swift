import DidYouMean
import Foundation
import JSONText
import Synchronization

/// What the models of one run share, and the one place their request paths are built: the
/// config, the ledger, the response caches, the cassette, what the progress line hears, and per
/// endpoint its throttle, replicas and quirks. `client` composes a model's chain of stages
/// (RequestStage.swift) from these and the environment (the API key); it makes no call and
/// starts no process (local servers are the command's: `LocalServers.start`).
public final class ModelHub: Sendable {
    public let config: ModelConfig
    public let ledger: UsageLedger
    public let cache: ResponseCache?
    /// Cache replies at any temperature (a tuning run's own cache, so a resumed run replays
    /// exactly what it was told); otherwise only temperature-0 replies are cached.
    public let cacheAllTemperatures: Bool
    /// Caches read (never written) when `cache` misses: the shared cache for a tuning run, the
    /// run's own cache for an eval of its best prompt. A hit is copied into `cache`, so a resumed
    /// run still replays everything from its own.
    public let alsoRead: [ResponseCache]
    /// A tuning run's cache: a reply that cannot be saved stops the run (a resume replays from it).
    let cacheRequired: Bool
    let retry: RetryPolicy?
    let environment: [String: String]
    let transport: CurlTransport
    let recorder: CassetteWriter?
    let notices = Notices()
    let endpoints = EndpointStates()

    /// `retry` overrides each endpoint's default policy (tests use it to avoid real sleeping).
    public init(config: ModelConfig, ledger: UsageLedger = UsageLedger(), cache: ResponseCache? = nil,
                alsoRead: [ResponseCache] = [], cacheAllTemperatures: Bool = false, cacheRequired: Bool = false, recordTo: String? = nil, retry: RetryPolicy? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: CurlTransport = .shared) throws {
        self.config = config
        self.ledger = ledger
        self.cache = cache
        self.alsoRead = alsoRead
        self.cacheAllTemperatures = cacheAllTemperatures
        self.cacheRequired = cacheRequired
        self.retry = retry
        self.environment = environment
        self.transport = transport
        recorder = try recordTo.map(CassetteWriter.init(path:))
    }

    /// A client for `provider:model`, accounted under `role` (e.g. "target", "optimizer").
    /// Fails at once, before any call, if the provider is unknown, its key is not set, or a local
    /// model's server was not started.
    public func client(_ text: String, role: String) throws -> any ChatModel {
        let name = try ModelName(parsing: text)
        if name.provider == "replay" { return try Cassette(path: name.model) }
        let endpoint = try self.endpoint(for: name)
        var key: String?
        if let variable = endpoint.apiKeyEnv {
            key = environment[variable]
            if key?.isEmpty ?? true {
                throw ModelError(.auth, "set \(variable) in the environment: it holds the API key for \(name.provider) (\(Redact.url(endpoint.baseURL)))")
            }
        }
        return ModelChain(name: name, first: chain(name, role: role, endpoint: endpoint, apiKey: key), notice: notices.say)
    }

    /// The provider's endpoint; for `local:NAME`, the server the command started for NAME. Small
    /// local models get the JSON tool protocol, and no more requests in flight than the server has
    /// slots: the rest wait in rpt's queue, where the timeout does not run, instead of the server's.
    func endpoint(for name: ModelName) throws -> EndpointConfig {
        guard var endpoint = config.endpoints[name.provider] else {
            let known = (config.endpoints.keys.sorted() + ["replay"]).joined(separator: ", ")
            throw ModelError(.config, "unknown provider '\(name.provider)'" + Spelling.suggestion(for: name.provider, among: Array(config.endpoints.keys))
                + " (known: \(known); add others as [providers.NAME] in rpt.toml)")
        }
        if name.provider == "local" {
            guard let server = config.localServers[name.model] else {
                throw ModelError(.config, "\(name) has no server: rpt starts the server of each local model a command names before "
                                 + "it makes the model's client (LocalServers.start)")
            }
            endpoint.setBaseURL(server.url)
            endpoint.concurrency = server.slots
            endpoint.tools = endpoint.tools ?? false
        }
        return endpoint
    }

    /// The model's stages, innermost first (RequestStage.swift lists them outermost first).
    func chain(_ name: ModelName, role: String, endpoint: EndpointConfig, apiKey: String?) -> any RequestStage {
        let (model, ledger, notices) = (name.description, ledger, notices)
        let shared = endpoints.state(for: endpoint)
        let call = ProviderCall(endpoint: endpoint, adapter: endpoint.adapter, apiKey: apiKey, pool: shared.pool, transport: transport)
        var stage: any RequestStage = RateLimited(requests: shared.requests, tokens: shared.tokens, estimate: call.estimate, waiting: { seconds, limit in
            if seconds >= 2 { notices.say(String(format: "%@: waiting %.0f s for the %@ limit of %@", model, seconds.rounded(.up), limit, endpoint.name)) }
        }, inner: call)
        var policy = retry ?? RetryPolicy(maxAttempts: endpoint.maxAttempts)
        policy.maxRetryAfter = endpoint.maxRetryWait
        stage = Retrying(policy: policy, onRetry: { wait in
            ledger.record(model: model, role: role) { $0.retries += 1 }
            notices.say("\(model): \(wait)")
        }, inner: stage)
        stage = Throttled(slots: shared.slots, inner: stage)
        stage = Budgeted(ledger: ledger, inner: stage)
        if let cache {
            stage = Caching(cache: cache, alsoRead: alsoRead, allTemperatures: cacheAllTemperatures, required: cacheRequired,
                            endpoint: endpoint.name, notices: notices, inner: stage)
        }
        stage = Accounting(ledger: ledger, model: model, role: role, price: config.price(for: model), inner: stage)
        stage = ToolQuirks(model: name.model, endpoint: endpoint, quirks: endpoints.quirks, inner: stage)
        if let recorder { stage = Recording(writer: recorder, inner: stage) }
        return stage
    }

    /// `f` hears what the progress line should say: waits before retries, cache trouble.
    public func onNotice(_ f: @escaping @Sendable (String) -> Void) { notices.listen(f) }
}

/// What the progress line hears from the stages; some things are said once per run.
final class Notices: Sendable {
    private let sink = Mutex<(@Sendable (String) -> Void)?>(nil)
    private let said = Mutex<Set<String>>([])

    func listen(_ f: @escaping @Sendable (String) -> Void) { sink.withLock { $0 = f } }

    @Sendable func say(_ text: String) {
        let f = sink.withLock { $0 }
        f?(text)
    }

    /// Says `text` once per `topic` over the hub's life.
    func once(_ topic: String, _ text: String) {
        if said.withLock({ $0.insert(topic).inserted }) { say(text) }
    }
}

/// What every model of one endpoint shares: its slots and rate limits, its replicas, and what it
/// was found not to support. Keyed by the URLs too: `local:NAME` gives each model its own server
/// (and slots) under one provider name.
final class EndpointStates: Sendable {
    struct Shared: Sendable {
        /// Concurrency is per base URL: each replica has its own slots.
        let slots: AsyncSemaphore
        let requests: RateLimiter?
        let tokens: RateLimiter?
        let pool: EndpointPool
    }

    private let states = Mutex<[String: Shared]>([:])
    let quirks = EndpointQuirks()

    func state(for e: EndpointConfig) -> Shared {
        states.withLock { s in
            let key = ([e.name] + e.baseURLs).joined(separator: "\n")
            if let existing = s[key] { return existing }
            let made = Shared(slots: AsyncSemaphore(e.concurrency * e.baseURLs.count), requests: e.requestsPerMinute.map(RateLimiter.init),
                              tokens: e.tokensPerMinute.map(RateLimiter.init), pool: EndpointPool(urls: e.baseURLs))
            s[key] = made
            return made
        }
    }
}

/// What an endpoint was found not to take (a 400 said so), by provider name.
final class EndpointQuirks: Sendable {
    enum Quirk: Hashable { case noTools, noRequiredChoice }
    private let noted = Mutex<[String: Set<Quirk>]>([:])

    func has(_ q: Quirk, _ endpoint: String) -> Bool { noted.withLock { $0[endpoint]?.contains(q) ?? false } }
    func note(_ q: Quirk, _ endpoint: String) { noted.withLock { _ = $0[endpoint, default: []].insert(q) } }
}
