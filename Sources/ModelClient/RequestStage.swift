/// One link of a model's request path. `ModelHub.client` chains them, outermost first:
///
///     ModelChain    ask again while the caller refuses a reply (`attempts`, `accept`)
///     Recording     the cassette (--record): the request as asked, the reply as answered
///     ToolQuirks    the model's own name; what the endpoint cannot take (tool_choice, tools)
///     Accounting    the ledger: tokens, cost, cache hits, failures, by model and role
///     Caching       the response cache, and caches only read (`alsoRead`)
///     Budgeted      no new call once a budget is spent; the time budget cancels calls in flight
///     Throttled     the endpoint's slots, held across retries
///     Retrying      backoff on retryable errors, each wait announced
///     RateLimited   requests and tokens per minute, per attempt
///     ProviderCall  the wire: a replica, the provider's HTTP request and reply, the API key
///
/// Each knows only its job and `inner`, the rest of the chain, so each is tested alone over a
/// stand-in (Tests/ModelClientTests/StageTests.swift); what they share per endpoint (throttles,
/// replicas, quirks) lives in `EndpointStates`.
protocol RequestStage: Sendable {
    /// One reply to `request`. `accept` is what the caller will say of a reply (nil: it keeps it);
    /// a stage returns a refused reply all the same, so that the stages above count it and
    /// `ModelChain` asks again, but the cache neither serves nor saves one. Stages below the
    /// cache are handed an `accept` that takes everything.
    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse
}

extension RequestStage {
    /// For stages below the cache, where nothing refuses a reply.
    func send(_ request: ChatRequest) async throws -> ChatResponse {
        try await send(request) { _ in nil }
    }
}

/// A model as callers see it: the chain of stages behind the `ChatModel` protocol. A reply the
/// caller's `accept` refuses is asked for again, `attempts` times in all, each said on the
/// progress line; then a `badResponse` error gives the last reason.
struct ModelChain: ChatModel {
    let name: ModelName
    let first: any RequestStage
    let notice: @Sendable (String) -> Void

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await first.send(request)
    }

    func complete(_ request: ChatRequest, attempts: Int, accept: @Sendable (ChatResponse) -> String?) async throws -> ChatResponse {
        var why = ""
        for attempt in 1...max(1, attempts) {
            let response = try await first.send(request, accept: accept)
            guard let problem = accept(response) else { return response }
            why = problem
            if attempt < attempts { notice("\(name): \(problem); asking again") }
        }
        throw ModelError(.badResponse, why)
    }
}

/// Turns chat requests into HTTP requests for one kind of API and replies back into responses.
protocol ProviderAdapter: Sendable {
    func httpRequest(_ request: ChatRequest, endpoint: EndpointConfig, apiKey: String?) -> HTTPRequest
    func response(_ http: HTTPResponse) throws(ModelError) -> ChatResponse
}

extension EndpointConfig {
    /// The adapter of the endpoint's kind of API.
    var adapter: any ProviderAdapter { kind == .anthropic ? AnthropicMessages() : OpenAIChat() }
}

/// The wire call, the end of every chain: one replica of the endpoint (each attempt picks one,
/// so a retry after an outage goes to another), the provider's HTTP request with the API key,
/// and its reply read by the adapter. A status other than 2xx is a `ModelError` that says what
/// to do (the key's variable, never the key).
struct ProviderCall: RequestStage {
    let endpoint: EndpointConfig
    let adapter: any ProviderAdapter
    let apiKey: String?
    let pool: EndpointPool
    let transport: CurlTransport

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        let (replica, url) = pool.acquire()
        var at = endpoint
        at.baseURL = url
        let reply: HTTPResponse
        do { reply = try await transport.send(adapter.httpRequest(request, endpoint: at, apiKey: apiKey)) } catch {
            pool.release(replica, failed: EndpointPool.isOutage(error))
            throw error
        }
        pool.release(replica, failed: reply.status >= 500)
        guard (200..<300).contains(reply.status) else {
            throw ModelError.http(status: reply.status, body: reply.body, retryAfter: RetryPolicy.retryAfter(reply.headers["retry-after"]),
                                  keyVariable: endpoint.apiKeyEnv, location: reply.headers["location"])
        }
        return try adapter.response(reply)
    }

    /// The tokens a request may use, guessed before it is sent (for tokens_per_minute): its body
    /// at 4 bytes a token, and the reply's bound (256 when it names none).
    func estimate(_ request: ChatRequest) -> Double {
        Double(adapter.httpRequest(request, endpoint: endpoint, apiKey: apiKey).body.count) / 4 + Double(request.maxTokens ?? 256)
    }
}
