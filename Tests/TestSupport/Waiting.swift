import Foundation
import Synchronization

/// Polls `condition` until it holds or `timeout` seconds pass, and says whether it held. Tests
/// wait for a state this way instead of sleeping for a time a loaded machine may need more of;
/// the timeout only bounds a failure, so it is long: with the whole suite on two cores shared
/// with other builds, a task waited over 60 s for a thread of the cooperative pool.
public func eventually(timeout: Double = 300, every: Double = 0.02, _ condition: () throws -> Bool) async rethrows -> Bool {
    let end = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if try condition() { return true }
        if ContinuousClock.now >= end { return false }
        try? await Task.sleep(for: .milliseconds(Int(every * 1000)))
    }
}

/// Runs blocking work (waiting for a child process, a blocking read) on a thread of its own.
/// Swift Testing runs every test on the cooperative pool, one thread per core: a test that
/// blocks one for seconds holds up every other test's awaits, and on two cores that made
/// sub-second waits take 40 s.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
        Thread { c.resume(with: Result { try work() }) }.start()
    }
}

/// `body`'s value, or nil if `seconds` pass first: for asserting that something ends at all
/// without letting a hang hang the test run. On a timeout `body` is left running, as an await
/// that ignores cancellation would be.
public func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    let first = First<T?>()
    return try await withCheckedThrowingContinuation { c in
        first.set(c)
        Task {
            do { first.resume(.success(try await body())) } catch { first.resume(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            first.resume(.success(nil))
        }
    }
}

/// A continuation that only the first result resumes.
private final class First<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Error>?>(nil)
    func set(_ c: CheckedContinuation<T, Error>) { continuation.withLock { $0 = c } }
    func resume(_ result: Result<T, Error>) { continuation.withLock { $0.take() }?.resume(with: result) }
}
