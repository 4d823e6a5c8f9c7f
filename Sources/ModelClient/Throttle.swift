import Foundation
import Synchronization

/// At most `limit` holders at once; the others wait in order.
final class AsyncSemaphore: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(_ limit: Int) { state = Mutex(State(free: max(1, limit))) }

    func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.free > 0 { s.free -= 1; return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.free += 1; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }

    func with<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }
}

/// A token bucket: `perMinute` units a minute, bursts up to a minute's worth. `take` reserves
/// units and sleeps until they are there, so callers queue fairly.
final class RateLimiter: Sendable {
    private let perSecond: Double
    private let capacity: Double
    private let state: Mutex<(tokens: Double, stamp: Double)>

    init(perMinute: Double) {
        perSecond = perMinute / 60
        capacity = perMinute
        state = Mutex((perMinute, RateLimiter.now()))
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    func take(_ units: Double) async throws {
        let wait = state.withLock { s -> Double in
            let t = RateLimiter.now()
            s.tokens = min(capacity, s.tokens + (t - s.stamp) * perSecond)
            s.stamp = t
            s.tokens -= min(units, capacity)
            return s.tokens >= 0 ? 0 : -s.tokens / perSecond
        }
        if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
    }
}
