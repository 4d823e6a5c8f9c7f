import Foundation
import LuaHost
import ModelClient

/// The summary of an evaluation as printed (`text`) and as `--json` prints it.
public struct EvalReport: Sendable {
    public var pack: String
    public var split: String
    public var model: String
    public var metrics: Metrics
    public var ledger: [UsageLedger.Line]
    public var cost: Double?
    public var resultsFile: String?
    public var stoppedBy: String?
    /// The first API error and the first pack error, so the summary says why.
    public var firstAPIError: String?
    public var firstPackError: String?
    /// The judge model, for a pack with a judge.
    public var judge: String?
    /// The pack's parameter values the eval ran with (its defaults and --set), for a pack with any.
    public var parameters: [String: String] = [:]

    public init(pack: String, split: String, model: String, metrics: Metrics, ledger: [UsageLedger.Line],
                cost: Double?, resultsFile: String?, stoppedBy: String?, firstAPIError: String? = nil, firstPackError: String? = nil,
                judge: String? = nil) {
        self.pack = pack
        self.split = split
        self.model = model
        self.metrics = metrics
        self.ledger = ledger
        self.cost = cost
        self.resultsFile = resultsFile
        self.stoppedBy = stoppedBy
        self.firstAPIError = firstAPIError
        self.firstPackError = firstPackError
        self.judge = judge
    }

    public var text: String {
        let m = metrics
        func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        var out = "rpt eval \(pack) · \(split) · \(m.examples) examples · \(model)" + (judge.map { " · judge \($0)" } ?? "") + "\n"
        out += "  score          \(String(format: "%.3f", m.score))  (\(m.scored) of \(m.examples) scored; \(m.packErrors) pack errors counted as 0)\n"
        if !m.metricMeans.isEmpty {
            out += "  metrics        " + m.metricMeans.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: " · ")
                + "  (means; the score is their weighted mean)\n"
        }
        out += "  format errors  \(pct(m.formatErrorRate))  (\(m.formatErrors))\n"
        out += "  pack errors    \(pct(m.packErrorRate))  (\(m.packErrors), a hook of the pack failed: scored 0 as pack_error)\n"
        if let e = firstPackError { out += "                 first: \(e)\n" }
        out += "  API errors     \(pct(m.apiErrorRate))  (\(m.apiErrors), counted apart and not scored"
            + (judge == nil ? ")\n" : "; \(m.judgeErrors) of them the judge's)\n")
        if let e = firstAPIError { out += "                 first: \(e)\n" }
        if let c = m.calibration {
            let auroc = c.auroc.map { String(format: "%.3f", $0) } ?? "n/a"
            out += "  calibration    Brier \(String(format: "%.3f", c.brier)) · ECE \(String(format: "%.3f", c.ece)) · AUROC \(auroc)  (\(c.count) with a confidence)\n"
        } else {
            out += "  calibration    none (\(m.noCalibration.map(String.init(describing:)) ?? "no example"))\n"
        }
        let fails = m.failures.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        out += "  failures       " + (fails.isEmpty ? "none" : fails.map { "\($0.key) \($0.value)" }.joined(separator: " · ")) + "\n"
        for l in ledger { out += "  tokens         \(l.role) \(l.model): \(l.tokensText)\n" }
        let unpriced = ledger.filter { $0.cost == nil }.map(\.model)
        out += "  cost           " + (cost.map { String(format: "$%.4f", $0) }
            ?? "unknown (no price for \(unpriced.isEmpty ? "this model" : unpriced.joined(separator: ", ")): add [prices.\"\(unpriced.first ?? model)\"] to rpt.toml)") + "\n"
        let rate = m.examples == 0 ? 0 : Double(m.cached) / Double(m.examples)
        out += "  cache          \(m.cached) of \(m.examples) replies from the cache (\(pct(rate)))\n"
        if let s = stoppedBy { out += "  stopped        \(s)\n" }
        if let f = resultsFile { out += "results: \(f)\n" }
        return out
    }

    public var json: JSONValue {
        let m = metrics
        var o: [String: JSONValue] = [
            "pack": .string(pack), "split": .string(split), "model": .string(model),
            "examples": .int(Int64(m.examples)), "scored": .int(Int64(m.scored)), "score": .double(m.score),
            "format_errors": .int(Int64(m.formatErrors)), "format_error_rate": .double(m.formatErrorRate),
            "api_errors": .int(Int64(m.apiErrors)), "api_error_rate": .double(m.apiErrorRate), "judge_errors": .int(Int64(m.judgeErrors)),
            "pack_errors": .int(Int64(m.packErrors)), "pack_error_rate": .double(m.packErrorRate),
            "failures": .object(m.failures.mapValues { .int(Int64($0)) }),
            "tokens": .array(ledger.map(\.json)), "cached": .int(Int64(m.cached)), "cost": cost.map(JSONValue.double) ?? .null,
        ]
        if !m.metricMeans.isEmpty { o["metrics"] = .object(m.metricMeans.mapValues(JSONValue.double)) }
        if let c = m.calibration {
            o["calibration"] = ["count": .int(Int64(c.count)), "brier": .double(c.brier), "ece": .double(c.ece),
                                "auroc": c.auroc.map(JSONValue.double) ?? .null]
        } else if let why = m.noCalibration {
            o["no_calibration"] = .string(why.description)
        }
        if let f = resultsFile { o["results_file"] = .string(f) }
        if let s = stoppedBy { o["stopped_by"] = .string(s) }
        if let j = judge { o["judge"] = .string(j) }
        if !parameters.isEmpty { o["parameters"] = .object(parameters.mapValues(JSONValue.string)) }
        if let e = firstAPIError { o["first_api_error"] = .string(e) }
        if let e = firstPackError { o["first_pack_error"] = .string(e) }
        return .object(o)
    }
}

/// Appends results to a JSONL file as they come, one flushed line each, so a killed evaluation
/// keeps what it had.
public final class ResultsFile {
    public let path: String
    private let handle: FileHandle

    public init(path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw ModelError(.config, "cannot write \(path)")
        }
        self.path = path
        handle = h
    }

    public func append(_ r: ExampleResult) throws {
        try handle.write(contentsOf: Data((JSON.encode(r.json) + "\n").utf8))
    }

    deinit { try? handle.close() }
}
