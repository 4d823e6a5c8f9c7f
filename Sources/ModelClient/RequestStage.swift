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
