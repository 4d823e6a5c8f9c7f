import Foundation
import ModelClient
import TaskPack

/// The numbers of one evaluation: score, error rates, calibration, failure counts.
public struct Metrics: Sendable, Equatable {
    public var examples = 0
    /// Examples in the score: all but API errors.
    public var scored = 0
    /// Failed calls (after retries): the server's fault, reported apart and left out of the score.
    public var apiErrors = 0
    /// The API errors that were the judge's (its call failed or its verdict could not be used).
    public var judgeErrors = 0
    /// Examples a hook failed on: in `scored` as 0 and in `failures` as `pack_error`, so a pack
    /// that breaks can never raise a score.
    public var packErrors = 0
    /// Mean score over `scored`.
    public var score = 0.0
    public var formatErrors = 0
    /// Examples per failure mode; an example with several modes counts once in each.
    public var failures: [String: Int] = [:]
    /// Each named metric's mean over `scored` (a pack that declares `metrics`; format and pack
    /// errors count 0 in each, as in the score). Empty otherwise.
    public var metricMeans: [String: Double] = [:]
    public var calibration: Calibration?
    /// Why `calibration` is nil, when it is.
    public var noCalibration: NoCalibration?
    /// Examples whose reply came from the response cache (tokens are the ledger's to count).
    public var cached = 0

    public var formatErrorRate: Double { scored == 0 ? 0 : Double(formatErrors) / Double(scored) }
    public var apiErrorRate: Double { examples == 0 ? 0 : Double(apiErrors) / Double(examples) }
    public var packErrorRate: Double { scored == 0 ? 0 : Double(packErrors) / Double(scored) }

    public init(_ results: [ExampleResult]) {
        examples = results.count
        var total = 0.0
        var pairs: [(confidence: Double, score: Double)] = []
        var parsed = 0
        var metricSums: [String: Double] = [:]
        for r in results {
            if r.cached { cached += 1 }
            if r.apiError != nil { apiErrors += 1; judgeErrors += r.judgeError ? 1 : 0; continue }
            if r.packError != nil {
                packErrors += 1
                scored += 1
                failures[Outcome.packErrorMode, default: 0] += 1
                continue
            }
            guard let o = r.outcome else { continue }
            scored += 1
            total += o.score
            for (name, v) in o.metrics ?? [:] { metricSums[name, default: 0] += v }
            for f in o.modes { failures[f, default: 0] += 1 }
            if o.failure != nil, o.answer == nil { formatErrors += 1 }
            if o.answer != nil { parsed += 1 }
            if let c = o.confidence { pairs.append((c, o.score)) }
        }
        score = scored == 0 ? 0 : total / Double(scored)
        metricMeans = metricSums.mapValues { $0 / Double(scored) }
        if pairs.count >= Calibration.minimumCount { calibration = Calibration(pairs) } else {
            noCalibration = scored == 0 ? .nothingScored
                : parsed == 0 ? .noReplyParsed(formatErrors: formatErrors, packErrors: packErrors, scored: scored)
                : pairs.isEmpty ? .noConfidenceGiven(parsed: parsed)
                : .tooFew(pairs.count)
        }
    }
}

/// Why an evaluation has no calibration numbers. A pack whose extract gives a confidence can
/// still have none when its replies never parse: the summary must not blame the pack for that.
public enum NoCalibration: Sendable, Equatable, CustomStringConvertible {
    case nothingScored
    case noReplyParsed(formatErrors: Int, packErrors: Int, scored: Int)
    case noConfidenceGiven(parsed: Int)
    case tooFew(Int)

    public var description: String {
        switch self {
        case .nothingScored: return "no example was scored"
        case .noReplyParsed(let f, let p, let n):
            return "no reply was parsed: \(f) of \(n) format errors" + (p > 0 ? ", \(p) pack errors" : "")
        case .noConfidenceGiven(let n): return "the pack's extract gave no confidence for any of the \(n) parsed replies"
        case .tooFew(let n):
            return "too few examples: \(n) answers with a confidence, at least \(Calibration.minimumCount) needed"
        }
    }
}

/// How well stated confidence matches being right: Brier score, expected calibration error over
/// 10 equal-width bins, and AUROC of confidence as a predictor of a full score.
/// A confidence is read as the chance the answer is fully right, so all three take an answer as
/// correct when its score is 1 and wrong otherwise: a partial score (0.75 of a triage record) is
/// a wrong answer here, never a target probability of 0.75.
public struct Calibration: Sendable, Equatable {
    /// Fewer answers than ECE has bins say nothing about calibration.
    public static let minimumCount = 10
    public var count: Int
    public var brier: Double
    public var ece: Double
    /// nil when all answers are right or all wrong.
    public var auroc: Double?
    /// Per bin: (mean confidence, accuracy, count), for reliability diagrams.
    public var bins: [Bin]

    public struct Bin: Sendable, Equatable { public var confidence: Double; public var accuracy: Double; public var count: Int }

    public init(_ pairs: [(confidence: Double, score: Double)]) {
        count = pairs.count
        let pairs = pairs.map { (confidence: $0.confidence, score: $0.score >= 1 ? 1.0 : 0.0) }
        brier = pairs.reduce(0) { $0 + pow($1.confidence - $1.score, 2) } / Double(pairs.count)
        var sums = [(c: Double, s: Double, n: Int)](repeating: (0, 0, 0), count: 10)
        for p in pairs {
            // Clamped before the conversion: Int(_:) traps on NaN or a huge value (extract checks [0, 1], callers may not).
            let b = p.confidence >= 0.1 ? min(9, Int(min(p.confidence, 1) * 10)) : 0
            sums[b].c += p.confidence; sums[b].s += p.score; sums[b].n += 1
        }
        bins = sums.map { Bin(confidence: $0.n == 0 ? 0 : $0.c / Double($0.n), accuracy: $0.n == 0 ? 0 : $0.s / Double($0.n), count: $0.n) }
        ece = bins.reduce(0) { $0 + Double($1.count) / Double(pairs.count) * abs($1.accuracy - $1.confidence) }
        auroc = Calibration.auroc(pairs.map { ($0.confidence, $0.score >= 1) })
    }

    /// Mann-Whitney U: the chance a right answer has a higher confidence than a wrong one (ties half).
    static func auroc(_ xs: [(Double, Bool)]) -> Double? {
        let pos = xs.filter(\.1).count, neg = xs.count - pos
        guard pos > 0, neg > 0 else { return nil }
        let sorted = xs.sorted { $0.0 < $1.0 }
        var rankSum = 0.0
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1].0 == sorted[i].0 { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j where sorted[k].1 { rankSum += rank }
            i = j + 1
        }
        return (rankSum - Double(pos * (pos + 1)) / 2) / Double(pos * neg)
    }
}
