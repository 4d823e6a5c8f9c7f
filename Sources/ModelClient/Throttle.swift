import Foundation
import Synchronization

/// At most `limit` holders at once; the others wait in order. A waiter whose task is cancelled
/// leaves the queue at once (a time budget must not wait for a slot to free up).
final class AsyncSemaphore: Sendable {
    private struct State {
        var free: Int
        var next: UInt64 = 0
        /// Acquires not yet granted nor cancelled (a cancel may land before the acquire queues).
        var undecided: Set<UInt64> = []
        var waiters: [(id: UInt64, c: CheckedContinuation<Void, Error>)] = []
        var cancelled: Set<UInt64> = []
    }
    private let state: Mutex<State>

    init(_ limit: Int) { state = Mutex(State(free: max(1, limit))) }

    func acquire() async throws {
        let id = state.withLock { s -> UInt64 in
            s.next += 1
            s.undecided.insert(s.next)
            return s.next
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
                let outcome = state.withLock { s -> Bool? in
                    if s.cancelled.remove(id) != nil { return false }
                    if s.free > 0 { s.free -= 1; s.undecided.remove(id); return true }
                    s.waiters.append((id, c))
                    return nil
                }
                switch outcome {
                case true?: c.resume()
                case false?: c.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let waiting = state.withLock { s -> CheckedContinuation<Void, Error>? in
                if let i = s.waiters.firstIndex(where: { $0.id == id }) {
                    s.undecided.remove(id)
                    return s.waiters.remove(at: i).c
                }
                if s.undecided.remove(id) != nil { s.cancelled.insert(id) }    // not queued yet: refused when it is
                return nil
            }
            waiting?.resume(throwing: CancellationError())
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Error>? in
            if s.waiters.isEmpty { s.free += 1; return nil }
            let w = s.waiters.removeFirst()
            s.undecided.remove(w.id)
            return w.c
        }
        next?.resume()
    }

    func with<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }
}

/// A token bucket: `perMinute` units a minute, bursts up to a minute's worth. `take` reserves
/// units and sleeps until they are there, so callers queue fairly.
final class RateLimiter: Sendable {
    private let perSecond: Double
    private let capacity: Double
    private let clock: @Sendable () -> Double
    private let state: Mutex<(tokens: Double, stamp: Double)>

    convenience init(perMinute: Double) { self.init(perMinute: perMinute, clock: RateLimiter.now) }

    /// `clock` gives seconds on a steady scale (tests pass one they move by hand).
    init(perMinute: Double, clock: @escaping @Sendable () -> Double) {
        perSecond = perMinute / 60
        capacity = perMinute
        self.clock = clock
        state = Mutex((perMinute, clock()))
    }

    @Sendable static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// `onWait` hears of a wait before it begins (long ones are said on the progress line).
    func take(_ units: Double, onWait: (Double) -> Void = { _ in }) async throws {
        let wait = state.withLock { s -> Double in
            let t = clock()
            s.tokens = min(capacity, s.tokens + (t - s.stamp) * perSecond)
            s.stamp = t
            s.tokens -= min(units, capacity)
            return s.tokens >= 0 ? 0 : -s.tokens / perSecond
        }
        if wait > 0 {
            onWait(wait)
            try await Task.sleep(nanoseconds: Checked.nanoseconds(wait))
        }
    }
}

/// At most `slots` calls of the endpoint at once, each holding its slot through its retries: the
/// rest wait in rpt's queue, where no timeout runs (a local server's own queue would time them out).
struct Throttled: RequestStage {
    let slots: AsyncSemaphore
    let inner: any RequestStage

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        try await slots.with { try await inner.send(request) }
    }
}

/// The endpoint's requests and tokens per minute, taken before each attempt. A request's tokens
/// are guessed before it is sent (`estimate`); waits of 2 s or more are said.
struct RateLimited: RequestStage {
    let requests: RateLimiter?
    let tokens: RateLimiter?
    let estimate: @Sendable (ChatRequest) -> Double
    /// Hears each wait with the name of the limit.
    let waiting: @Sendable (_ seconds: Double, _ limit: String) -> Void
    let inner: any RequestStage

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        try await requests?.take(1) { waiting($0, "requests_per_minute") }
        if let tokens { try await tokens.take(estimate(request)) { waiting($0, "tokens_per_minute") } }
        return try await inner.send(request)
    }
}

/// Runs `body` until `deadline`, then cancels it (the transfer in flight included) and throws
/// `expired`: a time budget ends calls on time instead of waiting for their replies or retries.
func withDeadline<T: Sendable>(_ deadline: Date?, expired: ModelError, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    guard let deadline else { return try await body() }
    if deadline.timeIntervalSinceNow <= 0 { throw expired }
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: Checked.nanoseconds(deadline.timeIntervalSinceNow))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw expired }
        return value
    }
}
