import Foundation
import LuaHost
import ModelClient
import TaskPack

/// What a candidate must not do, whatever its dev score (issue 17): break a must-pass regression
/// case that the best prompt passes, or make a protected failure mode more frequent on dev.
public enum Safeguards {
    /// A regression case passes when it was scored without a failure. An API error is not a pass:
    /// nothing was checked, and a CI job must not go green on it.
    public static func passes(_ r: ExampleResult) -> Bool { r.apiError == nil && r.outcome != nil && r.outcome?.failure == nil }

    /// The cases `best` passes and `candidate` does not, by id, in the candidate's order.
    public static func broken(best: [ExampleResult], candidate: [ExampleResult]) -> [String] {
        let passed = Set(best.filter(passes).map(\.id))
        return candidate.filter { passed.contains($0.id) && !passes($0) }.map(\.id)
    }

    /// How much more often `candidate` fails in `mode` than `best` on the same examples: per
    /// example, 1 when only the candidate fails that way, -1 when only the best did.
    public static func modeDifferences(_ mode: String, best: [ExampleResult], candidate: [ExampleResult]) -> [Double] {
        func hit(_ r: ExampleResult) -> Double? { r.outcome.map { $0.modes.contains(mode) ? 1 : 0 } }
        let before = Dictionary(best.compactMap { r in hit(r).map { (r.id, $0) } }, uniquingKeysWith: { a, _ in a })
        return candidate.compactMap { r in hit(r).flatMap { now in before[r.id].map { now - $0 } } }
    }

    /// A protected mode's paired change on dev, with the one-sided bound at the run's level.
    public struct ModeChange: Sendable, Equatable {
        public var mode: String
        public var change: Selection.Interval
        /// The lower bound of the increase is above 0: more than noise.
        public var rises: Bool { change.lower > 0 }
        public var text: String {
            String(format: "raises protected mode %@ by %+.3f (lower bound %+.3f over %d paired dev examples)",
                   mode, change.mean, change.lower, change.n)
        }
        public var json: JSONValue { ["change": .double(change.mean), "lower": .double(change.lower), "rises": .bool(rises)] }
    }

    /// Each protected mode's change, tested like a dev gain (`Selection.isRealGain`, same level).
    public static func protectedChanges(_ modes: [String], best: [ExampleResult], candidate: [ExampleResult],
                                        level: Double, seed: UInt64) -> [ModeChange] {
        modes.enumerated().map { i, mode in
            let (_, interval) = Selection.isRealGain(modeDifferences(mode, best: best, candidate: candidate), level: level,
                                                     seed: seed &+ UInt64(i))
            return ModeChange(mode: mode, change: interval)
        }
    }

    /// How a verdict names broken cases: "breaks regression case ID" (or "cases A, B, ...").
    public static func brokenText(_ ids: [String]) -> String {
        ids.count == 1 ? "breaks regression case \(ids[0])"
            : "breaks regression cases " + ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? " and \(ids.count - 5) more" : "")
    }
}

extension Tuner {
    /// The safeguards on a candidate dev would keep: the protected modes first (free: the dev
    /// results are in hand), then the regression cases (only now run, so a rejected candidate
    /// costs none). Returns why it is rejected (nil: it may replace the best), what the event
    /// log records of the checks, and the candidate's regression results.
    /// `step` names the regression run in the progress; the ablation's pruned prompts pass here too.
    func safeguard(_ program: PromptProgram, dev results: [ExampleResult], best: Incumbent, seed: UInt64, step: String)
        async throws -> (reason: String?, record: [String: JSONValue], regression: [ExampleResult]) {
        var record: [String: JSONValue] = [:]
        let changes = Safeguards.protectedChanges(runtime.spec.protected, best: best.dev, candidate: results, level: settings.level, seed: seed)
        if !changes.isEmpty { record["protected"] = .object(Dictionary(uniqueKeysWithValues: changes.map { ($0.mode, $0.json) })) }
        if let rise = changes.first(where: \.rises) { return (rise.text, record, []) }
        guard !data.regression.isEmpty else { return (nil, record, []) }
        let now = try await evaluate(program, data.regression, step)
        let broken = Safeguards.broken(best: best.regression, candidate: now)
        record["regression_broken"] = .array(broken.map(JSONValue.string))
        record["regression_passed"] = .int(Int64(now.filter(Safeguards.passes).count))
        return (broken.isEmpty ? nil : Safeguards.brokenText(broken), record, now)
    }

    /// The regression cases of the initial prompt: the ones it passes are the first it may not break.
    func baselineRegression(_ initial: PromptProgram) async throws -> [ExampleResult] {
        guard !data.regression.isEmpty else { return [] }
        let results = try await evaluate(initial, data.regression, "initial prompt on the regression cases")
        let failing = results.filter { !Safeguards.passes($0) }.map(\.id)
        store.log("regression_baseline", ["cases": .int(Int64(results.count)), "failing": .array(failing.map(JSONValue.string))])
        if !failing.isEmpty {
            progress("regression: the initial prompt fails \(failing.count) of \(results.count) cases (\(failing.prefix(5).joined(separator: ", "))); "
                     + "the others may not break")
        }
        return results
    }
}
