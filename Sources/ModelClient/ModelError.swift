/// A failed model call, told apart by what the caller should do about it. Retryable kinds
/// (rate limits, server errors, timeouts, dropped connections, unreadable replies) are retried
/// with backoff; the others are explained and not retried.
public struct ModelError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Codable {
        case rateLimited = "rate limited"
        case server = "server error"
        case timeout
        case connection = "connection error"
        case badResponse = "unreadable response"
        /// Over the reply size cap: not retried (the same request would bring the same flood).
        case tooLarge = "reply too large"
        /// A 3xx: rpt does not follow redirects (a POST with the key would go where the server says).
        case redirected
        case auth = "authentication"
        case badRequest = "bad request"
        case notFound = "not found"
        case budget = "budget exhausted"
        case cancelled
        case config = "configuration"
    }

    public let kind: Kind
    public let message: String
    public let status: Int?
    /// Seconds the server asked us to wait (Retry-After).
    public let retryAfter: Double?

    public init(_ kind: Kind, _ message: String, status: Int? = nil, retryAfter: Double? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.retryAfter = retryAfter
    }

    public var isRetryable: Bool {
        switch kind {
        case .rateLimited, .server, .timeout, .connection, .badResponse: return true
        default: return false
        }
    }

    public var description: String {
        let code = status.map { "HTTP \($0) " } ?? ""
        return "\(code)\(kind.rawValue): \(message)"
    }

    /// The error for a non-2xx status, with the fix where we know it.
    static func http(status: Int, body: [UInt8], retryAfter: Double?, keyVariable: String?, location: String? = nil) -> ModelError {
        let snippet = String(decoding: body.prefix(300), as: UTF8.self)
        switch status {
        case 300...399:
            let to = location.map { " to \(Redact.url($0))" } ?? ""
            return ModelError(.redirected, "the server redirects\(to); rpt does not follow redirects (your key would go along): "
                              + "set the provider's base_url (or --base-url) to the address the server points to", status: status)
        case 401, 403:
            let fix = keyVariable.map { "check the API key in $\($0)" } ?? "this server wants an API key"
            return ModelError(.auth, "\(fix) (server said: \(snippet))", status: status)
        case 404: return ModelError(.notFound, "no such model or endpoint (server said: \(snippet))", status: status)
        case 408: return ModelError(.timeout, "the server timed out: \(snippet)", status: status, retryAfter: retryAfter)
        case 429: return ModelError(.rateLimited, snippet, status: status, retryAfter: retryAfter)
        case 500...599: return ModelError(.server, snippet, status: status, retryAfter: retryAfter)
        default: return ModelError(.badRequest, snippet, status: status)
        }
    }
}
