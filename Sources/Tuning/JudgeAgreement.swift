import Foundation
import LuaHost
import ModelClient
import TaskPack

/// `rpt check --judge MODEL`: the judged cases of tests/judge.lua put to a judge model, each
/// verdict held against the range the pack's authors gave it, so a team sees whether its rubric
/// and the judge agree with its own reading before tuning against them.
public enum JudgeAgreement {
    public struct Finding: Sendable {
        public var judged: JudgeCase
        public var verdict: Verdict?
        /// Why there is no verdict: the judge's call failed, its verdict was unusable, or a hook failed.
        public var error: String?
        public var agrees: Bool { verdict.map { judged.range.contains($0.score) } ?? false }
    }

    /// Each case's verdict, in the order of the file. The hooks run here, one case at a time; the
    /// judge's calls go out together (its endpoint's limits apply).
    public static func run(_ cases: [JudgeCase], runtime: PackRuntime, judge: Judge) async throws -> [Finding] {
        var findings = cases.map { Finding(judged: $0) }
        var asks: [(Int, String, LuaValue, String?)] = []
        for (i, c) in cases.enumerated() {
            do throws(HookError) {
                guard case .answer(let answer, _) = try runtime.extract(reply: c.reply, example: c.example) else {
                    findings[i].error = "extract cannot read the reply"
                    continue
                }
                asks.append((i, try runtime.render(c.example), answer, try runtime.reference(c.example)))
            } catch {
                findings[i].error = error.description
            }
        }
        try await withThrowingTaskGroup(of: (Int, Result<Verdict, ModelError>).self) { group in
            for (i, input, answer, reference) in asks {
                group.addTask { (i, try await Evaluator.ask { try await judge.grade(input: input, answer: answer, reference: reference) }) }
            }
            for try await (i, result) in group {
                switch result {
                case .success(let v): findings[i].verdict = v
                case .failure(let e): findings[i].error = "the judge failed: \(e)"
                }
            }
        }
        return findings
    }

    /// The findings as a step of `rpt check`: how many agree, and each disagreement with the judge's reason.
    public static func report(_ findings: [Finding], judge: String, ledger: UsageLedger, into check: inout PackCheck) {
        let agreed = findings.filter(\.agrees).count
        let calls = ledger.lines.filter { $0.role == "judge" }
        let usage = calls.map { "live \($0.liveCalls), cached \($0.cacheHits)" }.joined(separator: "; ")
        let detail = "\(agreed) of \(findings.count) judged cases within their range (judge \(judge): \(usage.isEmpty ? "no calls" : usage))"
        var problems: [PackError] = []
        for f in findings where !f.agrees {
            let range = f.judged.range.lowerBound == f.judged.range.upperBound ? "\(Verdict.number(f.judged.range.lowerBound))"
                : "\(Verdict.number(f.judged.range.lowerBound)) to \(Verdict.number(f.judged.range.upperBound))"
            let what = f.verdict.map { "the judge gave \(Verdict.number($0.score)), the case expects \(range): \($0.reason)" }
                ?? "no verdict (\(f.error ?? "unknown")), the case expects \(range)"
            problems.append(PackError(JudgeCases.file, "'\(f.judged.name)': \(what)"))
        }
        if problems.isEmpty { check.ok("agree", detail) } else { check.fail("agree", detail, problems) }
    }
}
