import Foundation
import LuaHost
import ModelClient

/// `rpt compare`: several prompts or models scored on the same examples of one pack, side by
/// side. Each contender's score has a bootstrap interval over the examples; each after the first
/// has the paired bootstrap interval of its difference from the first (`Selection`), since the
/// examples are shared and pairing removes their difficulty from the comparison.
public struct Comparison: Sendable {
    public struct Contender: Sendable {
        /// What the user named: the prompt file or run folder, and the model.
        public var prompt: String
        public var model: String
        public var results: [ExampleResult]
        /// The contender's own ledger (each is evaluated with one), so its tokens and cost are its own.
        public var ledger: [UsageLedger.Line]
        public var cost: Double?

        public init(prompt: String, model: String, results: [ExampleResult], ledger: [UsageLedger.Line], cost: Double?) {
            self.prompt = prompt
            self.model = model
            self.results = results
            self.ledger = ledger
            self.cost = cost
        }

        public var label: String { "\(prompt) · \(model)" }
        public var metrics: Metrics { Metrics(results) }
        /// Tokens of every reply, live and from the cache.
        public var tokens: Int { ledger.reduce(0) { $0 + $1.usage.total + $1.cachedUsage.total } }
    }

    public var pack: String
    public var split: String
    public var contenders: [Contender]
    public var seed: UInt64

    public init(pack: String, split: String, contenders: [Contender], seed: UInt64) {
        self.pack = pack
        self.split = split
        self.contenders = contenders
        self.seed = seed
    }

    /// Scores of the examples scored (pack errors count 0; API errors are left out, as in Metrics).
    static func scores(_ results: [ExampleResult]) -> [Double] {
        results.compactMap { $0.apiError == nil ? $0.outcome?.score : nil }
    }

    /// The 95% interval of a contender's score, bootstrap over its scored examples.
    public func interval(_ i: Int) -> Selection.Interval {
        Selection.bootstrap(Self.scores(contenders[i].results), level: 0.95, seed: seed)
    }

    /// The paired 95% interval of contender i minus the first, over examples both scored; nil for the first.
    public func difference(_ i: Int) -> Selection.Interval? {
        guard i > 0 else { return nil }
        return Selection.bootstrap(Selection.differences(contenders[0].results, contenders[i].results), level: 0.95, seed: seed)
    }

    /// Every failure mode any contender has, the most frequent first.
    public var modes: [String] {
        var total: [String: Int] = [:]
        for c in contenders { for (m, n) in c.metrics.failures { total[m, default: 0] += n } }
        return total.keys.sorted { (total[$0]!, $1) > (total[$1]!, $0) }
    }

    static func f3(_ x: Double) -> String { String(format: "%.3f", x) }
    static func signed(_ x: Double) -> String { String(format: "%+.3f", x) }

    /// The terminal table: one row per contender, then one row per failure mode.
    public var text: String {
        let n = contenders.first?.results.count ?? 0
        var rows: [[String]] = [["", "score", "95% CI", "vs #1 (paired 95% CI)", "API err", "tokens", "cost"]]
        for (i, c) in contenders.enumerated() {
            let ci = interval(i), m = c.metrics
            let diff = difference(i).map { "\(Self.signed($0.mean)) [\(Self.signed($0.lower)), \(Self.signed($0.upper))]" } ?? "–"
            rows.append(["#\(i + 1)", Self.f3(m.score), "[\(Self.f3(ci.lower)), \(Self.f3(ci.upper))]", diff, String(m.apiErrors),
                         String(c.tokens), c.cost.map { String(format: "$%.4f", $0) } ?? "unknown"])
        }
        var out = "rpt compare \(pack) · \(split) · \(n) examples, the same for each\n"
        for (i, c) in contenders.enumerated() { out += "  #\(i + 1)  \(c.label)\n" }
        out += Self.align(rows)
        if !modes.isEmpty {
            out += "failures by mode\n" + Self.align([["mode"] + contenders.indices.map { "#\($0 + 1)" }]
                                                      + modes.map { m in [m] + contenders.map { String($0.metrics.failures[m] ?? 0) } })
        }
        return out
    }

    /// Columns padded to their widest cell, numbers right-aligned.
    static func align(_ rows: [[String]]) -> String {
        let cols = rows.map(\.count).max() ?? 0
        let widths = (0..<cols).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { r in
            "  " + r.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    public var json: JSONValue {
        .object(["pack": .string(pack), "split": .string(split), "examples": .int(Int64(contenders.first?.results.count ?? 0)),
                 "contenders": .array(contenders.enumerated().map { i, c in
                     let m = c.metrics, ci = interval(i)
                     var o: [String: JSONValue] = ["prompt": .string(c.prompt), "model": .string(c.model), "score": .double(m.score),
                                                   "ci95": [.double(ci.lower), .double(ci.upper)], "scored": .int(Int64(m.scored)),
                                                   "api_errors": .int(Int64(m.apiErrors)), "failures": .object(m.failures.mapValues { .int(Int64($0)) }),
                                                   "tokens": .array(c.ledger.map(\.json)), "cost": c.cost.map(JSONValue.double) ?? .null]
                     if let d = difference(i) {
                         o["difference"] = ["mean": .double(d.mean), "ci95": [.double(d.lower), .double(d.upper)], "paired": .int(Int64(d.n))]
                     }
                     return .object(o)
                 })])
    }
}
