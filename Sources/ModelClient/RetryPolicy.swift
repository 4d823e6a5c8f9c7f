import Foundation

/// Exponential backoff with full jitter, honouring Retry-After up to a cap, for retryable errors
/// only. Every wait is announced first (`Wait`), so a user sees why rpt is quiet.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double
    /// The longest wait a server's Retry-After can impose; a longer ask waits this long (and says so).
    public var maxRetryAfter: Double
    /// Attempts ending in a timeout, at most: each costs a whole timeout, and a server that timed
    /// out twice on the same request rarely answers a third time.
    public var maxTimeouts: Int
    /// How waiting is done (tests record it instead of sleeping).
    public var sleep: @Sendable (Double) async throws -> Void

    public init(maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30, maxRetryAfter: Double = 60, maxTimeouts: Int = 2,
                sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(nanoseconds: Checked.nanoseconds($0)) }) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.maxTimeouts = maxTimeouts
        self.sleep = sleep
    }

    /// A wait before a retry, as the progress line tells it.
    public struct Wait: Sendable, CustomStringConvertible {
        public var seconds: Double
        /// The attempt about to be made, and the most there will be.
        public var attempt: Int
        public var of: Int
        public var error: ModelError
        /// What the server's Retry-After asked for, when it asked for more than the cap.
        public var cappedFrom: Double?

        public var description: String {
            let why = error.status.map { "HTTP \($0)" } ?? error.kind.rawValue
            let asked = cappedFrom.map { String(format: ", the server asked for %.0f s: capped by max_retry_wait", $0) } ?? ""
            return String(format: "waiting %.0f s before attempt %d of %d (%@%@)", seconds.rounded(.up), attempt, of, why, asked)
        }
    }

    /// The wait before attempt `attempt + 1` (attempts count from 1).
    public func delay(after attempt: Int, error: ModelError) -> Double {
        if let ra = error.retryAfter { return min(max(0, ra), maxRetryAfter) }
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(min(attempt, 60) - 1)))
        return Double.random(in: ceiling / 2...ceiling)
    }

    /// Runs `body` until it succeeds, fails with a non-retryable error, or runs out of attempts
    /// (or of timeouts). `onRetry` hears of each wait before it begins.
    public func run<T: Sendable>(onRetry: @Sendable (Wait) -> Void = { _ in },
                                 _ body: () async throws -> T) async throws -> T {
        var attempt = 1, timeouts = 0
        while true {
            do {
                return try await body()
            } catch let e as ModelError where e.isRetryable && attempt < maxAttempts {
                if e.kind == .timeout { timeouts += 1 }
                if timeouts >= maxTimeouts { throw e }
                let seconds = delay(after: attempt, error: e)
                let capped = e.retryAfter.flatMap { $0 > maxRetryAfter ? $0 : nil }
                onRetry(Wait(seconds: seconds, attempt: attempt + 1, of: maxAttempts, error: e, cappedFrom: capped))
                try Task.checkCancellation()
                try await sleep(seconds)
                attempt += 1
            }
        }
    }

    /// Retry-After as seconds or as an HTTP date; nil when absent or not a finite time.
    static func retryAfter(_ header: String?) -> Double? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let s = Double(header) { return s.isFinite ? max(0, s) : nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: header).map { max(0, $0.timeIntervalSinceNow) }.flatMap { $0.isFinite ? $0 : nil }
    }
}

/// Retries the rest of the chain by `policy`; `onRetry` hears each wait before it begins.
struct Retrying: RequestStage {
    let policy: RetryPolicy
    let onRetry: @Sendable (RetryPolicy.Wait) -> Void
    let inner: any RequestStage

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        try await policy.run(onRetry: onRetry) { try await inner.send(request) }
    }
}
