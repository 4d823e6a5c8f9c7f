import DidYouMean
import Foundation
import JSONText
import Synchronization

/// Everything model calls share in one run: the config, the transport, the cache, the ledger,
/// one throttle per endpoint and what each endpoint was found not to support.
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
    let transport: CurlTransport
    let retry: RetryPolicy?
    let environment: [String: String]
    /// A tuning run's cache: a reply that cannot be saved stops the run (a resume replays from it).
    let cacheRequired: Bool
    private let recorder: Mutex<FileHandle?>
    private let noticeSink = Mutex<(@Sendable (String) -> Void)?>(nil)
    private let warned = Mutex<Set<String>>([])
    private let throttles = Mutex<[String: Throttle]>([:])
    private let pools = Mutex<[String: EndpointPool]>([:])
    private let quirks = Mutex<[String: Set<Quirk>]>([:])

    enum Quirk: Hashable { case noTools, noRequiredChoice }

    struct Throttle: Sendable {
        let slots: AsyncSemaphore
        let requests: RateLimiter?
        let tokens: RateLimiter?
    }

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
        var handle: FileHandle?
        if let recordTo {
            _ = FileManager.default.createFile(atPath: recordTo, contents: nil)
            handle = FileHandle(forWritingAtPath: recordTo)
            if handle == nil { throw ModelError(.config, "cannot write the cassette \(recordTo)") }
        }
        recorder = Mutex(handle)
    }

    /// A client for `provider:model`, accounted under `role` (e.g. "target", "optimizer").
    /// Fails at once, before any call, if the provider is unknown or its key is not set.
    public func client(_ text: String, role: String) throws -> any ChatModel {
        let name = try ModelName(parsing: text)
        if name.provider == "replay" { return try Cassette(path: name.model) }
        guard var endpoint = config.endpoints[name.provider] else {
            let known = (config.endpoints.keys.sorted() + ["replay"]).joined(separator: ", ")
            throw ModelError(.config, "unknown provider '\(name.provider)'" + Spelling.suggestion(for: name.provider, among: Array(config.endpoints.keys))
                + " (known: \(known); add others as [providers.NAME] in rpt.toml)")
        }
        if name.provider == "local" {
            // A managed llama.cpp server: started on demand; small models get the JSON tool protocol.
            // No more requests in flight than it has slots: the rest wait in rpt's queue, where the
            // timeout does not run, instead of the server's, where it would.
            let local = try LocalServer.shared.endpoint(for: name.model, environment: environment) { log in
                notice("starting the local server for \(name) (its log: \(log.path))")
            }
            endpoint.baseURL = local.url
            endpoint.concurrency = local.slots
            endpoint.tools = endpoint.tools ?? false
        }
        var key: String?
        if let variable = endpoint.apiKeyEnv {
            key = environment[variable]
            if key?.isEmpty ?? true {
                throw ModelError(.auth, "set \(variable) in the environment: it holds the API key for \(name.provider) (\(Redact.url(endpoint.baseURL)))")
            }
        }
        let adapter: any ProviderAdapter = endpoint.kind == .anthropic ? AnthropicMessages() : OpenAIChat()
        return ModelHandle(name: name, role: role, endpoint: endpoint, adapter: adapter, apiKey: key, hub: self)
    }

    func throttle(_ e: EndpointConfig) -> Throttle {
        throttles.withLock { t in
            let key = e.name + " " + e.baseURLs.joined(separator: " ")   // each local model has its own server and slots
            if let existing = t[key] { return existing }
            // Concurrency is per base URL: each replica has its own slots.
            let made = Throttle(slots: AsyncSemaphore(e.concurrency * e.baseURLs.count), requests: e.requestsPerMinute.map(RateLimiter.init),
                                tokens: e.tokensPerMinute.map(RateLimiter.init))
            t[key] = made
            return made
        }
    }

    /// Keyed by the URLs too: `local:NAME` gives each model its own server under one provider name.
    func pool(_ e: EndpointConfig) -> EndpointPool {
        let key = ([e.name] + e.baseURLs).joined(separator: "\n")
        return pools.withLock { p in
            if let existing = p[key] { return existing }
            let made = EndpointPool(urls: e.baseURLs)
            p[key] = made
            return made
        }
    }

    /// `f` hears what the progress line should say: waits before retries, cache trouble.
    public func onNotice(_ f: @escaping @Sendable (String) -> Void) { noticeSink.withLock { $0 = f } }

    func notice(_ text: String) {
        let sink = noticeSink.withLock { $0 }
        sink?(text)
    }

    /// Says `text` once per `topic` over the hub's life.
    func noticeOnce(_ topic: String, _ text: String) {
        if warned.withLock({ $0.insert(topic).inserted }) { notice(text) }
    }

    func has(_ q: Quirk, _ endpoint: String) -> Bool { quirks.withLock { $0[endpoint]?.contains(q) ?? false } }
    func note(_ q: Quirk, _ endpoint: String) { quirks.withLock { _ = $0[endpoint, default: []].insert(q) } }

    func record(_ request: ChatRequest, _ response: ChatResponse) {
        recorder.withLock { $0?.write(Data(Cassette.line(request, response).utf8)) }
    }
}

/// One model of one endpoint: cache, budget, throttle, retries and the provider's quirks around
/// a plain HTTP call.
struct ModelHandle: ChatModel {
    let name: ModelName
    let role: String
    let endpoint: EndpointConfig
    let adapter: any ProviderAdapter
    let apiKey: String?
    let hub: ModelHub

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await complete(request, attempts: 1) { _ in nil }
    }

    /// `accept` sees each reply as the caller will (a tool call read from its text included): a
    /// reply it refuses is neither saved nor taken from the cache, and is asked for again.
    func complete(_ request: ChatRequest, attempts: Int, accept: @Sendable (ChatResponse) -> String?) async throws -> ChatResponse {
        var req = request
        req.model = name.model
        if req.toolChoice == .required && hub.has(.noRequiredChoice, endpoint.name) { req.toolChoice = .auto }
        let fallback = !req.tools.isEmpty && (endpoint.tools == false || hub.has(.noTools, endpoint.name))
        let sent = fallback ? ToolFallback.rewrite(req) : req
        // Keyed by provider name, not URL: a resumed run may reach the same server at a new address.
        let cacheKey = endpoint.name + "\n" + RequestKey.text(sent)
        let cacheable = hub.cache != nil && (sent.temperature == 0 || hub.cacheAllTemperatures)
        // Tools asked for, none called, but the text names one: read it as a call.
        let tools = req.tools
        func read(_ r: ChatResponse) -> ChatResponse {
            !tools.isEmpty && r.toolCalls.isEmpty ? ToolFallback.read(r, tools: tools, callIndex: 0) : r
        }

        if cacheable, var hit = try await cached(cacheKey), accept(read(hit)) == nil {
            hit.cached = true
            hub.ledger.add(model: name.description, role: role, usage: hit.usage, price: price, cached: true)
            hub.record(req, hit)
            return read(hit)
        }
        var why = ""
        for attempt in 1...max(1, attempts) {
            let response: ChatResponse
            do {
                response = try await withDeadline(hub.ledger.deadline, expired: hub.ledger.timeBudgetSpent) { [self] in try await send(sent) }
            } catch let e as ModelError where e.kind == .badRequest && adaptsAfter(e, request: req, fallback: fallback) {
                return try await complete(request, attempts: attempts, accept: accept)   // the quirk is noted; try again the other way
            }
            // Only a reply the transport, the adapter and the caller accepted is kept.
            let problem = accept(read(response))
            if problem == nil, cacheable { try await save(cacheKey, response) }
            hub.ledger.add(model: name.description, role: role, usage: response.usage, price: price, cached: false)
            hub.record(req, response)
            guard let problem else { return read(response) }
            hub.ledger.record(model: name.description, role: role) { $0.failures += 1 }
            why = problem
            if attempt < attempts { hub.notice("\(name): \(problem); asking again") }
        }
        throw ModelError(.badResponse, why)
    }

    var price: Price? { hub.config.price(for: name.description) }

    /// The reply of the cache, else of the first cache read also (then kept in the cache).
    private func cached(_ key: String) async throws -> ChatResponse? {
        guard let cache = hub.cache else { return nil }
        if let hit = await read(cache, key) { return hit }
        for other in hub.alsoRead {
            if let hit = await read(other, key) { try await save(key, hit); return hit }
        }
        return nil
    }

    /// A cache read that fails is a miss (the call is made again), said once.
    private func read(_ cache: ResponseCache, _ key: String) async -> ChatResponse? {
        do { return try await cache.get(key) } catch {
            hub.noticeOnce("cache-read \(cache.path)", "cannot read the response cache \(cache.path) (\(error)): asking the model instead")
            return nil
        }
    }

    /// A failed cache write stops a tuning run (its resume replays every reply from the cache);
    /// elsewhere the cache only saves money, so it is said once and the run goes on.
    private func save(_ key: String, _ response: ChatResponse) async throws {
        guard let cache = hub.cache else { return }
        do { try await cache.put(key, response) } catch {
            if hub.cacheRequired { throw CacheWriteFailed(path: cache.path, reason: "\(error)") }
            hub.noticeOnce("cache-write", "cannot save replies in the response cache \(cache.path) (\(error)); later runs will ask again")
        }
    }

    private func send(_ request: ChatRequest) async throws -> ChatResponse {
        try hub.ledger.check()
        let throttle = hub.throttle(endpoint)
        let pool = hub.pool(endpoint)
        let tokens = Double(adapter.httpRequest(request, endpoint: endpoint, apiKey: apiKey).body.count) / 4 + Double(request.maxTokens ?? 256)
        var policy = hub.retry ?? RetryPolicy(maxAttempts: endpoint.maxAttempts)
        policy.maxRetryAfter = endpoint.maxRetryWait
        let model = name.description, role = role, hub = hub
        do {
            return try await throttle.slots.with {
                try await policy.run(onRetry: { wait in
                    hub.ledger.record(model: model, role: role) { $0.retries += 1 }
                    hub.notice("\(model): \(wait)")
                }) {
                    func said(_ limit: String) -> (Double) -> Void {
                        { if $0 >= 2 { hub.notice(String(format: "%@: waiting %.0f s for the %@ limit of %@", model, $0.rounded(.up), limit, endpoint.name)) } }
                    }
                    try await throttle.requests?.take(1, onWait: said("requests_per_minute"))
                    try await throttle.tokens?.take(tokens, onWait: said("tokens_per_minute"))
                    // Each attempt picks a replica, so a retry after an outage goes to another one.
                    let (replica, url) = pool.acquire()
                    var at = endpoint
                    at.baseURL = url
                    let reply: HTTPResponse
                    do { reply = try await hub.transport.send(adapter.httpRequest(request, endpoint: at, apiKey: apiKey)) } catch {
                        pool.release(replica, failed: EndpointPool.isOutage(error))
                        throw error
                    }
                    pool.release(replica, failed: reply.status >= 500)
                    guard (200..<300).contains(reply.status) else {
                        throw ModelError.http(status: reply.status, body: reply.body,
                                              retryAfter: RetryPolicy.retryAfter(reply.headers["retry-after"]), keyVariable: endpoint.apiKeyEnv,
                                              location: reply.headers["location"])
                    }
                    return try adapter.response(reply)
                }
            }
        } catch {
            if !(error is CancellationError) && (error as? ModelError)?.kind != .cancelled {
                hub.ledger.record(model: model, role: role) { $0.failures += 1 }
            }
            throw error
        }
    }

    /// A 400 that says the server cannot take `tool_choice: required`, or tools at all: note it
    /// for this endpoint so this and later calls go the way it can take.
    private func adaptsAfter(_ e: ModelError, request: ChatRequest, fallback: Bool) -> Bool {
        let said = e.message.lowercased()
        if request.toolChoice == .required, said.contains("tool_choice"), !hub.has(.noRequiredChoice, endpoint.name) {
            hub.note(.noRequiredChoice, endpoint.name)
            return true
        }
        if !request.tools.isEmpty, !fallback, said.contains("tool") {
            hub.note(.noTools, endpoint.name)
            return true
        }
        return false
    }
}

/// A reply was paid for but could not be saved in a tuning run's cache. Not a `ModelError`, so
/// it is not counted as one example's API error: it ends the run.
public struct CacheWriteFailed: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String {
        "cannot save a reply in the run's cache \(path) (\(reason)): rpt stopped so that --resume stays exact (it replays every "
            + "reply from that cache); free disk space or make the folder writable, then continue with rpt tune --resume"
    }
}
