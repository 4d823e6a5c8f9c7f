import Foundation

/// Exponential backoff with full jitter, honouring Retry-After, for retryable errors only.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double
    /// How waiting is done (tests record it instead of sleeping).
    public var sleep: @Sendable (Double) async throws -> Void

    public init(maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30,
                sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(nanoseconds: UInt64($0 * 1e9)) }) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
    }

    /// The wait before attempt `attempt + 1` (attempts count from 1).
    public func delay(after attempt: Int, error: ModelError) -> Double {
        if let ra = error.retryAfter { return min(ra, maxDelay * 4) }
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return Double.random(in: ceiling / 2...ceiling)
    }

    /// Runs `body` until it succeeds, fails with a non-retryable error, or runs out of attempts.
    /// `onRetry` hears of each retry (for accounting).
    public func run<T: Sendable>(onRetry: @Sendable (ModelError) -> Void = { _ in },
                                 _ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let e as ModelError where e.isRetryable && attempt < maxAttempts {
                onRetry(e)
                try Task.checkCancellation()
                try await sleep(delay(after: attempt, error: e))
                attempt += 1
            }
        }
    }

    /// Retry-After as seconds or as an HTTP date.
    static func retryAfter(_ header: String?) -> Double? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let s = Double(header) { return max(0, s) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: header).map { max(0, $0.timeIntervalSinceNow) }
    }
}
