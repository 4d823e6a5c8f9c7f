import Foundation
import Synchronization

/// Limits on a run's spending. Crossing one stops new calls with a `budget` error.
public struct Budget: Sendable, Equatable {
    public var maxTokens: Int?
    public var maxCost: Double?
    public var maxSeconds: Double?
    public init(maxTokens: Int? = nil, maxCost: Double? = nil, maxSeconds: Double? = nil) {
        self.maxTokens = maxTokens
        self.maxCost = maxCost
        self.maxSeconds = maxSeconds
    }
}

/// Calls, tokens and cost per model and role (target, optimizer, ...), and the budget.
public final class UsageLedger: Sendable {
    public struct Line: Sendable, Equatable, Codable {
        public var model: String
        public var role: String
        public var calls = 0
        public var cacheHits = 0
        public var retries = 0
        public var failures = 0
        public var usage = Usage()
        /// nil when the model has no price in the table.
        public var cost: Double? = 0
    }

    private let state = Mutex<[String: Line]>([:])
    private let started = Date()
    public let budget: Budget

    public init(budget: Budget = Budget()) { self.budget = budget }

    public var lines: [Line] { state.withLock { Array($0.values) }.sorted { ($0.role, $0.model) < ($1.role, $1.model) } }

    public var totalUsage: Usage { lines.reduce(Usage()) { $0 + $1.usage } }
    /// nil if any model's price is unknown.
    public var totalCost: Double? { lines.reduce(Optional(0.0)) { acc, l in acc.flatMap { a in l.cost.map { a + $0 } } } }

    func record(model: String, role: String, _ body: (inout Line) -> Void) {
        state.withLock { s in
            let key = "\(role)\u{1}\(model)"
            var line = s[key] ?? Line(model: model, role: role)
            body(&line)
            s[key] = line
        }
    }

    func add(model: String, role: String, usage: Usage, price: Price?, cached: Bool) {
        record(model: model, role: role) { l in
            l.calls += 1
            if cached { l.cacheHits += 1; return }
            l.usage = l.usage + usage
            l.cost = price.flatMap { p in l.cost.map { $0 + p.cost(usage) } }
        }
    }

    /// When the time budget runs out: calls still in flight then are cancelled.
    public var deadline: Date? { budget.maxSeconds.map { started.addingTimeInterval($0) } }

    var timeBudgetSpent: ModelError {
        ModelError(.budget, String(format: "the time budget (%.0f s) is spent", budget.maxSeconds ?? 0))
    }

    /// Throws if a limit is already crossed.
    func check() throws {
        if let max = budget.maxTokens, totalUsage.total >= max {
            throw ModelError(.budget, "the token budget (\(max)) is spent")
        }
        if let max = budget.maxCost {
            // A model without a price makes the total unknown: stop rather than spend blind.
            guard let cost = totalCost else {
                let unpriced = lines.filter { $0.cost == nil }.map(\.model).joined(separator: ", ")
                throw ModelError(.budget, "the cost budget cannot be kept: \(unpriced) has no price (add it to [prices] in rpt.toml)")
            }
            if cost >= max { throw ModelError(.budget, String(format: "the cost budget ($%.2f) is spent", max)) }
        }
        if let max = budget.maxSeconds, Date().timeIntervalSince(started) >= max {
            throw timeBudgetSpent
        }
    }
}
