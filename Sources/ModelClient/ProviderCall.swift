import Foundation

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
