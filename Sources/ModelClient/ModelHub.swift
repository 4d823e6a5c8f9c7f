import Foundation
import LuaHost
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
    let transport: CurlTransport
    let retry: RetryPolicy?
    let environment: [String: String]
    private let recorder: Mutex<FileHandle?>
    private let throttles = Mutex<[String: Throttle]>([:])
    private let quirks = Mutex<[String: Set<Quirk>]>([:])

    enum Quirk: Hashable { case noTools, noRequiredChoice }

    struct Throttle: Sendable {
        let slots: AsyncSemaphore
        let requests: RateLimiter?
        let tokens: RateLimiter?
    }

    /// `retry` overrides each endpoint's default policy (tests use it to avoid real sleeping).
    public init(config: ModelConfig, ledger: UsageLedger = UsageLedger(), cache: ResponseCache? = nil,
                cacheAllTemperatures: Bool = false, recordTo: String? = nil, retry: RetryPolicy? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: CurlTransport = .shared) throws {
        self.config = config
        self.ledger = ledger
        self.cache = cache
        self.cacheAllTemperatures = cacheAllTemperatures
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
    public func client(_ text: String, role: String) throws -> any ModelClient {
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
            let local = try LocalServer.shared.endpoint(for: name.model, environment: environment)
            endpoint.baseURL = local.url
            endpoint.concurrency = local.slots
            endpoint.tools = endpoint.tools ?? false
        }
        var key: String?
        if let variable = endpoint.apiKeyEnv {
            key = environment[variable]
            if key?.isEmpty ?? true {
                throw ModelError(.auth, "set \(variable) in the environment: it holds the API key for \(name.provider) (\(endpoint.baseURL))")
            }
        }
        let adapter: any ProviderAdapter = endpoint.kind == .anthropic ? AnthropicMessages() : OpenAIChat()
        return ModelHandle(name: name, role: role, endpoint: endpoint, adapter: adapter, apiKey: key, hub: self)
    }

    func throttle(_ e: EndpointConfig) -> Throttle {
        throttles.withLock { t in
            let key = e.name + " " + e.baseURL          // each local model has its own server and slots
            if let existing = t[key] { return existing }
            let made = Throttle(slots: AsyncSemaphore(e.concurrency), requests: e.requestsPerMinute.map(RateLimiter.init),
                                tokens: e.tokensPerMinute.map(RateLimiter.init))
            t[key] = made
            return made
        }
    }

    func has(_ q: Quirk, _ endpoint: String) -> Bool { quirks.withLock { $0[endpoint]?.contains(q) ?? false } }
    func note(_ q: Quirk, _ endpoint: String) { quirks.withLock { _ = $0[endpoint, default: []].insert(q) } }

    func record(_ request: ChatRequest, _ response: ChatResponse) {
        recorder.withLock { $0?.write(Data(Cassette.line(request, response).utf8)) }
    }
}

/// One model of one endpoint: cache, budget, throttle, retries and the provider's quirks around
/// a plain HTTP call.
struct ModelHandle: ModelClient {
    let name: ModelName
    let role: String
    let endpoint: EndpointConfig
    let adapter: any ProviderAdapter
    let apiKey: String?
    let hub: ModelHub

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        var req = request
        req.model = name.model
        if req.toolChoice == .required && hub.has(.noRequiredChoice, endpoint.name) { req.toolChoice = .auto }
        let fallback = !req.tools.isEmpty && (endpoint.tools == false || hub.has(.noTools, endpoint.name))
        let sent = fallback ? ToolFallback.rewrite(req) : req
        // Keyed by provider name, not URL: a resumed run may reach the same server at a new address.
        let cacheKey = endpoint.name + "\n" + JSON.encode(OpenAIChat().body(sent))
        let cacheable = hub.cache != nil && (sent.temperature == 0 || hub.cacheAllTemperatures)

        var response: ChatResponse
        if cacheable, let hit = hub.cache?.get(cacheKey) {
            response = hit
            response.cached = true
            hub.ledger.add(model: name.description, role: role, usage: hit.usage, price: price, cached: true)
        } else {
            do {
                response = try await send(sent)
            } catch let e as ModelError where e.kind == .badRequest && adaptsAfter(e, request: req, fallback: fallback) {
                return try await complete(request)       // the quirk is noted; try again the other way
            }
            if cacheable { hub.cache?.put(cacheKey, response) }
            hub.ledger.add(model: name.description, role: role, usage: response.usage, price: price, cached: false)
        }
        hub.record(req, response)
        // Tools asked for, none called, but the text names one: read it as a call.
        if !req.tools.isEmpty && response.toolCalls.isEmpty {
            response = ToolFallback.read(response, tools: req.tools, callIndex: 0)
        }
        return response
    }

    var price: Price? { hub.config.price(for: name.description) }

    private func send(_ request: ChatRequest) async throws -> ChatResponse {
        try hub.ledger.check()
        let throttle = hub.throttle(endpoint)
        let http = adapter.httpRequest(request, endpoint: endpoint, apiKey: apiKey)
        let policy = hub.retry ?? RetryPolicy(maxAttempts: endpoint.maxAttempts)
        do {
            return try await throttle.slots.with {
                try await policy.run(onRetry: { _ in hub.ledger.record(model: name.description, role: role) { $0.retries += 1 } }) {
                    try await throttle.requests?.take(1)
                    try await throttle.tokens?.take(Double(http.body.count / 4 + (request.maxTokens ?? 256)))
                    let reply = try await hub.transport.send(http)
                    guard (200..<300).contains(reply.status) else {
                        throw ModelError.http(status: reply.status, body: reply.body,
                                              retryAfter: RetryPolicy.retryAfter(reply.headers["retry-after"]), keyVariable: endpoint.apiKeyEnv)
                    }
                    return try adapter.response(reply)
                }
            }
        } catch {
            if !(error is CancellationError) && (error as? ModelError)?.kind != .cancelled {
                hub.ledger.record(model: name.description, role: role) { $0.failures += 1 }
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
