import Foundation
import JSONText
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

    /// A limit out of range, named by its key in a run's config.json (`budget_tokens`, ...); each
    /// source names it its own way (the command line says `--budget-tokens`).
    public struct Problem: Sendable, Equatable {
        public var key: String
        public var value: String
        public var want: String
    }

    /// The bounds of a budget, wherever it comes from (the command line, a run's config.json):
    /// numbers from outside, so NaN, a negative or an absurd value never reaches the ledger.
    public static let tokens = 1...1_000_000_000_000
    public static let seconds = 1e9

    /// The first limit out of its bounds, or nil.
    public var problem: Problem? {
        if let n = maxTokens, !Budget.tokens.contains(n) {
            return Problem(key: "budget_tokens", value: String(n), want: "a whole number from 1 to \(Budget.tokens.upperBound)")
        }
        if let c = maxCost, !(c.isFinite && c >= 0) { return Problem(key: "budget_cost", value: "\(c)", want: "US dollars, 0 or more") }
        if let t = maxSeconds, !(t.isFinite && t > 0 && t <= Budget.seconds) {
            return Problem(key: "budget_seconds", value: "\(t)", want: "a number of seconds above 0, at most \(Int(Budget.seconds))")
        }
        return nil
    }
}

/// Calls, tokens and cost per model and role (target, optimizer, ...), and the budget.
///
/// Token counts have one definition, kept apart by where the reply came from: `usage` is what
/// servers reported for live calls this run (budgets and cost count it), `cachedUsage` what the
/// replies taken from the response cache had cost when they were first made (free now).
public final class UsageLedger: Sendable {
    public struct Line: Sendable, Equatable, Codable {
        public var model: String
        public var role: String
        /// Replies received, live and cached (failed calls are `failures`).
        public var calls = 0
        public var cacheHits = 0
        public var retries = 0
        public var failures = 0
        /// Tokens of live calls.
        public var usage = Usage()
        /// Tokens of cached replies, as recorded when they were live.
        public var cachedUsage = Usage()
        /// nil when the model has no price in the table.
        public var cost: Double? = 0

        public var liveCalls: Int { calls - cacheHits }
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
            if cached { l.cacheHits += 1; l.cachedUsage = l.cachedUsage + usage; return }
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

/// Counts each reply in the ledger under its model and role: live or from the cache, a refused
/// one as a failure too (its tokens were spent all the same), and a call that failed. A cancel,
/// a spent budget and a cache that cannot be written are not the model's failures.
struct Accounting: RequestStage {
    let ledger: UsageLedger
    let model: String
    let role: String
    let price: Price?
    let inner: any RequestStage

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        let response: ChatResponse
        do { response = try await inner.send(request, accept: accept) } catch {
            if Accounting.isFailure(error) { ledger.record(model: model, role: role) { $0.failures += 1 } }
            throw error
        }
        ledger.add(model: model, role: role, usage: response.usage, price: price, cached: response.cached)
        if accept(response) != nil { ledger.record(model: model, role: role) { $0.failures += 1 } }
        return response
    }

    static func isFailure(_ error: Error) -> Bool {
        if error is CancellationError || error is CacheWriteFailed { return false }
        guard let e = error as? ModelError else { return true }
        return e.kind != .cancelled && e.kind != .budget
    }
}

/// No new call once a budget is spent, and none running past the time budget: a call in flight
/// then is cancelled (its transfer too) and ends with the budget's error.
struct Budgeted: RequestStage {
    let ledger: UsageLedger
    let inner: any RequestStage

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        let inner = inner
        return try await withDeadline(ledger.deadline, expired: ledger.timeBudgetSpent) {
            try ledger.check()
            return try await inner.send(request)
        }
    }
}

/// One way to show a ledger line, so the printed summaries and summary.json say the same numbers.
extension UsageLedger.Line {
    public var tokensText: String {
        "live \(liveCalls) calls, in \(usage.inputTokens) · out \(usage.outputTokens) · "
            + "cached \(cacheHits) replies, in \(cachedUsage.inputTokens) · out \(cachedUsage.outputTokens) · \(retries) retries"
    }

    public var json: JSONValue {
        func part(_ calls: Int, _ u: Usage) -> JSONValue {
            ["calls": .int(Int64(calls)), "input_tokens": .int(Int64(u.inputTokens)), "output_tokens": .int(Int64(u.outputTokens))]
        }
        return ["role": .string(role), "model": .string(model), "live": part(liveCalls, usage), "cached": part(cacheHits, cachedUsage),
                "retries": .int(Int64(retries)), "failures": .int(Int64(failures)), "cost": cost.map(JSONValue.double) ?? .null]
    }
}
