import Foundation
import Synchronization

/// The base URLs of one provider: replicas of one model (vLLM or llama.cpp servers behind
/// OpenAI-compatible endpoints). Each request goes to the healthy replica with the fewest
/// requests in flight (ties taken in turn). A replica that fails to answer (connection, timeout,
/// 5xx) is set aside for a cooldown that doubles with each failure in a row, from 1 s up to 60 s,
/// then tried again; a success brings it back at once. With every replica set aside, the one due
/// back soonest is tried: the pool slows down, it never refuses.
final class EndpointPool: Sendable {
    struct Replica: Sendable {
        var url: String
        var inFlight = 0
        var failures = 0
        var downUntil = 0.0
    }

    private let state: Mutex<(replicas: [Replica], turn: Int)>
    static let maxCooldown = 60.0

    init(urls: [String]) {
        state = Mutex((urls.map { Replica(url: $0) }, 0))
    }

    var urls: [String] { state.withLock { $0.replicas.map(\.url) } }

    /// The replica for the next request (its index and URL), counted in flight until `release`.
    func acquire(now: Double = RateLimiter.now()) -> (Int, String) {
        state.withLock { s in
            let n = s.replicas.count
            let order = (0..<n).map { (s.turn + $0) % n }
            let healthy = order.filter { s.replicas[$0].downUntil <= now }
            let pick = healthy.min { s.replicas[$0].inFlight < s.replicas[$1].inFlight }
                ?? order.min { s.replicas[$0].downUntil < s.replicas[$1].downUntil }!
            s.turn = (pick + 1) % n
            s.replicas[pick].inFlight += 1
            return (pick, s.replicas[pick].url)
        }
    }

    /// Ends a request on replica `i`; `failed` sets it aside for its cooldown.
    func release(_ i: Int, failed: Bool, now: Double = RateLimiter.now()) {
        state.withLock { s in
            s.replicas[i].inFlight -= 1
            if failed {
                s.replicas[i].failures += 1
                s.replicas[i].downUntil = now + min(EndpointPool.maxCooldown, pow(2, Double(min(s.replicas[i].failures, 16) - 1)))
            } else {
                s.replicas[i].failures = 0
                s.replicas[i].downUntil = 0
            }
        }
    }

    /// Whether an error says the replica itself is out (not the request, not a rate limit).
    static func isOutage(_ e: Error) -> Bool {
        guard let e = e as? ModelError else { return false }
        return e.kind == .connection || e.kind == .timeout || e.kind == .server
    }
}
