import Foundation
import StableHash

/// Paired comparisons of two prompts on the same examples.
public enum Selection {
    public struct Interval: Sendable, Equatable {
        public var mean: Double
        public var lower: Double
        public var upper: Double
        public var n: Int
    }

    /// Per-example score differences (b - a) over examples both scored.
    public static func differences(_ a: [ExampleResult], _ b: [ExampleResult]) -> [Double] {
        let aByID = Dictionary(a.compactMap { r in r.outcome.map { (r.id, $0.score) } }, uniquingKeysWith: { x, _ in x })
        return b.compactMap { r in r.outcome.flatMap { o in aByID[r.id].map { o.score - $0 } } }
    }

    /// Paired bootstrap of the mean difference: a `level` two-sided interval (seeded, so the
    /// same numbers give the same interval).
    public static func bootstrap(_ diffs: [Double], level: Double = 0.95, resamples: Int = 2000, seed: UInt64 = 1) -> Interval {
        guard !diffs.isEmpty else { return Interval(mean: 0, lower: 0, upper: 0, n: 0) }
        let n = diffs.count
        let mean = diffs.reduce(0, +) / Double(n)
        var rng = SplitMix(seed)
        var means: [Double] = []
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += diffs[Int(rng.next() % UInt64(n))] }
            means.append(sum / Double(n))
        }
        means.sort()
        let tail = (1 - level) / 2
        let lo = means[min(resamples - 1, Int(Double(resamples) * tail))]
        let hi = means[min(resamples - 1, Int(Double(resamples) * (1 - tail)))]
        return Interval(mean: mean, lower: lo, upper: hi, n: n)
    }

    /// Does b beat a for real? The one-sided `level` lower bound of the paired gain is above 0.
    public static func isRealGain(_ diffs: [Double], level: Double, seed: UInt64) -> (Bool, Interval) {
        let oneSided = bootstrap(diffs, level: 1 - 2 * (1 - level), seed: seed)
        return (oneSided.lower > 0, oneSided)
    }
}
