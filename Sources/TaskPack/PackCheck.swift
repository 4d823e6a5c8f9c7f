import Foundation
import LuaHost

/// `rpt check`: everything about a pack that can be checked without a model.
public struct PackCheck: Sendable {
    /// One line per step, as printed: ("ok" | "FAIL" | "note" | "warn", step, what was found).
    public var steps: [(status: String, step: String, detail: String)] = []
    public var problems: [PackError] = []
    /// What is worth fixing but does not fail the check (a data file sorted by label).
    public var warnings: [PackError] = []
    public var passed: Bool { problems.isEmpty }
    /// The judged cases of tests/judge.lua, for `rpt check --judge` to put to the judge.
    public var judgeCases: [JudgeCase] = []

    public static func run(directory: URL, progress: CheckProgress? = nil, log: HookLog? = nil,
                           set: [String: String] = [:]) -> PackCheck {
        var check = PackCheck()
        let runtime: PackRuntime
        do {
            switch try PackRuntime.load(directory: directory, log: log, set: set) {
            case .task(let r): runtime = r
            case .library(let library): check.checkLibrary(library); return check
            }
        } catch {
            check.fail("task.lua", "\(error.problems.count) problem(s)", error.problems)
            return check
        }
        let spec = runtime.spec
        check.ok("task.lua", "\(spec.name) \(spec.version) (api \(spec.api)), output \(spec.output.rawValue), "
            + "failure modes: \(spec.failureModes.joined(separator: ", "))"
            + (spec.metrics.map { "; metrics: \($0.names.joined(separator: ", ")) (primary \($0.primary), their weighted mean)" } ?? ""))
        for p in runtime.parameters.declared {      // what --set may change, and what this check used
            check.ok("params", "\(p.name) = \(runtime.parameters.values[p.name]!) (values: \(p.values.joined(separator: ", ")))")
        }

        let data: PackData
        do {
            data = try PackData.load(spec: spec, directory: directory)
        } catch let e as PackError {
            check.fail("data", "cannot read the data", [e]); return check
        } catch {
            check.fail("data", "cannot read the data", [PackError("data", "\(error)")]); return check
        }
        check.checkData(data, spec: spec)

        let all = Split.allCases.flatMap { data[$0] } + data.regression
        let render = eachExample("render", all, progress) { ex throws(HookError) in _ = try runtime.render(ex); return nil }
        if render.problems.isEmpty { check.ok("render", "\(all.count) examples render") }
        else { check.fail("render", render.stopped ?? "\(render.problems.count) of \(all.count) examples fail", render.problems) }

        let cases = PackCases.run(runtime)
        if cases.files.isEmpty {
            check.note("tests", "no tests/*.lua" + (JudgeCases.exists(in: directory) ? " besides judge.lua" : "")
                       + ": add cases that pin down extract, score and classify")
        } else if cases.problems.isEmpty {
            check.ok("tests", "\(cases.cases) cases in \(cases.files.joined(separator: ", "))")
        } else {
            check.fail("tests", cases.verdict, cases.problems)
        }

        if spec.judge != nil || JudgeCases.exists(in: directory) { check.checkJudge(runtime, all, progress) }

        guard spec.hasGold else {
            check.note("gold", "no gold(example): add it so rpt check can run extract and score on every example")
            return check
        }
        check.checkGold(runtime, all, progress)
        return check
    }

    /// A library pack: task.lua loaded; each module loads under the pack limits.
    mutating func checkLibrary(_ library: LibraryPack) {
        let spec = library.spec
        ok("task.lua", "\(spec.name) \(spec.version) (api \(spec.api)), a library pack (modules for other packs, no task)")
        let (names, found) = library.modules()
        let failed = found + names.compactMap { library.load(module: $0) }
        if failed.isEmpty { ok("modules", names.isEmpty ? "none (a library usually holds at least one .lua module)" : "\(names.count) load: \(names.joined(separator: ", "))") }
        else { fail("modules", "\(failed.count) of \(names.count + found.count) do not load", failed) }
        note("tests", "not run for a library: tests/*.lua cases test a task's hooks; test the modules through a task pack that requires them")
    }

    /// Runs `body` on each example, collecting its problems; stops early when a hook fails the
    /// same way on several examples in a row (`stopped` then says so, and one summary line
    /// stands for the repeated problems).
    static func eachExample(_ step: String, _ examples: [Example], _ progress: CheckProgress?,
                            _ body: (Example) throws(HookError) -> PackError?) -> (problems: [PackError], stopped: String?) {
        var problems: [PackError] = []
        var failFast = FailFast()
        for (i, ex) in examples.enumerated() {
            progress?(step, i + 1, examples.count)
            var failure: HookError?
            do { if let p = try body(ex) { problems.append(p) } } catch {
                failure = error
                problems.append(PackError(ex.source, error.description))
            }
            if failFast.note(failure), let failure {
                let n = FailFast.repeats
                let first = problems[problems.count - n]
                problems.removeLast(n)
                problems.append(PackError(first.location, "\(first.message) -- and the same on the next \(n - 1) examples: "
                    + "stopped after \(i + 1) of \(examples.count) (fix this first)"))
                let what = if case .lua(let kind) = failure.cause, kind.isLimit { "hit the \(kind.rawValue)" } else { "failed the same way" }
                return (problems, "stopped after \(i + 1) of \(examples.count) examples: \(failure.hook) \(what) on \(n) in a row")
            }
        }
        return (problems, nil)
    }

    mutating func checkData(_ data: PackData, spec: TaskSpec) {
        var problems: [PackError] = []
        var seen: [String: String] = [:]
        var counts: [String] = []
        for split in Split.allCases {
            let examples = data[split]
            if examples.isEmpty { problems.append(PackError(data.provenance[split] ?? "data", "the \(split.rawValue) split has no examples")) }
            counts.append("\(split.rawValue) \(examples.count) (\(data.provenance[split] ?? "none"))")
            for ex in examples {
                if let first = seen[ex.id] {
                    problems.append(PackError(ex.source, "id '\(ex.id)' is used again (first at \(first)): ids must be unique across all files and splits"))
                } else {
                    seen[ex.id] = ex.source
                }
            }
        }
        if !spec.regression.isEmpty {
            // Must-pass cases are named by id in every verdict: unique within their files (a case may copy a dev row).
            counts.append("regression \(data.regression.count) (\(DataFile.names(spec.regression)))")
            if data.regression.isEmpty { problems.append(PackError(DataFile.names(spec.regression), "the regression file has no examples")) }
            var cases: [String: String] = [:]
            for ex in data.regression {
                if let first = cases[ex.id] { problems.append(PackError(ex.source, "regression case id '\(ex.id)' is used again (first at \(first))")) }
                else { cases[ex.id] = ex.source }
            }
        }
        if problems.isEmpty { ok("data", counts.joined(separator: ", ") + "; ids unique") }
        else { fail("data", counts.joined(separator: ", "), problems) }
        checkOrder(data, spec: spec)
    }

    /// Warns when a split's rows are grouped by the pack's label field (see `LabelOrder`).
    mutating func checkOrder(_ data: PackData, spec: TaskSpec) {
        guard let field = spec.labelField else { return }
        var grouped: [String] = []
        for split in Split.allCases {
            let order = LabelOrder(data[split], field: field)
            guard order.grouped else { continue }
            grouped.append(split.rawValue)
            warnings.append(PackError(data.provenance[split] ?? "data", order.warning(split: split, field: field)))
        }
        if !grouped.isEmpty {
            steps.append(("warn", "order", "\(grouped.joined(separator: ", ")) ordered by '\(field)' (a warning: see below)"))
        }
    }

    mutating func checkGold(_ runtime: PackRuntime, _ examples: [Example], _ progress: CheckProgress? = nil) {
        var total = 0.0
        let run = PackCheck.eachExample("gold", examples, progress) { ex throws(HookError) -> PackError? in
            guard let reply = try runtime.gold(ex) else { return nil }
            let outcome = try runtime.evaluate(reply: reply, example: ex, verdict: runtime.spec.judge?.perfect)
            total += outcome.score
            guard outcome.score < 1 else { return nil }
            let got = outcome.answer.map { "answer \($0)" } ?? "no answer (\(outcome.detail ?? "extract returned nil"))"
            return PackError(ex.source, "gold reply scored \(String(format: "%g", outcome.score)): \(got); gold reply: \(reply.prefix(200))")
        }
        if let stopped = run.stopped { fail("gold", stopped, run.problems); return }
        let mean = examples.isEmpty ? 1 : total / Double(examples.count)
        let detail = "mean score \(String(format: "%.4f", mean)) over \(examples.count) examples"
        if run.problems.isEmpty { ok("gold", detail) }
        else { fail("gold", detail + ", \(run.problems.count) below 1 (must all be 1: extract or score disagrees with gold)", run.problems) }
    }

    public mutating func ok(_ step: String, _ detail: String) { steps.append(("ok", step, detail)) }
    public mutating func note(_ step: String, _ detail: String) { steps.append(("note", step, detail)) }
    public mutating func fail(_ step: String, _ detail: String, _ found: [PackError]) {
        steps.append(("FAIL", step, detail))
        problems += found
    }

    /// How many problems the report lists unless asked for all (`rpt check --all`).
    public static let listed = 20

    /// The report as printed by `rpt check`: a line per step, then the problems (the first
    /// `listed` of them, or every one with `all`).
    public func render(pack: String, all: Bool = false) -> String {
        var out = "rpt check \(pack)\n"
        for s in steps {
            out += "  \(s.status.padding(toLength: 4, withPad: " ", startingAt: 0))  \(s.step.padding(toLength: 8, withPad: " ", startingAt: 0)) \(s.detail)\n"
        }
        if !warnings.isEmpty {
            out += "\n\(warnings.count) warning(s):\n" + warnings.map { "  \($0)\n" }.joined()
        }
        if passed { return out + (warnings.isEmpty ? "" : "\n") + "passed\n" }
        out += "\n\(problems.count) problem(s):\n"
        let shown = all ? problems.count : PackCheck.listed
        for p in problems.prefix(shown) { out += "  \(p)\n" }
        if problems.count > shown { out += "  ... and \(problems.count - shown) more (rpt check --all \(pack) lists them all)\n" }
        return out + "failed\n"
    }
}

extension PackCheck {
    /// The judge's part, without a model: the judge table, `reference` on every example, and the
    /// judged cases of tests/judge.lua (which `rpt check --judge MODEL` then puts to a judge).
    mutating func checkJudge(_ runtime: PackRuntime, _ examples: [Example], _ progress: CheckProgress?) {
        guard let judge = runtime.spec.judge else {
            fail("judge", "\(JudgeCases.file) without a judge in task.lua", JudgeCases.load(runtime, examples: examples).problems)
            return
        }
        let grading = switch judge.grading {
        case .scale(let low, let high): "scale \(low) to \(high)"
        case .criteria(let items): "\(items.count) yes/no criteria"
        }
        var referenced = 0
        let run = PackCheck.eachExample("reference", examples, progress) { ex throws(HookError) -> PackError? in
            if try runtime.reference(ex) != nil { referenced += 1 }
            return nil
        }
        if let stopped = run.stopped { fail("judge", stopped, run.problems); return }
        var detail = grading + (judge.hasReference ? ", a reference for \(referenced) of \(examples.count) examples" : ", no reference")
        let cases = JudgeCases.exists(in: runtime.directory) ? JudgeCases.load(runtime, examples: examples) : nil
        judgeCases = cases?.cases ?? []
        let problems = run.problems + (cases?.problems ?? [])
        if let cases {
            detail += "; \(cases.cases.count) judged cases in \(JudgeCases.file)"
            if problems.isEmpty { detail += " (rpt check --judge MODEL puts them to a judge)" }
        }
        if !problems.isEmpty { fail("judge", detail, problems); return }
        if cases == nil {
            note("judge", detail + "; no \(JudgeCases.file): add judged cases (an example, a reply, the verdict it must get) "
                 + "so rpt check --judge MODEL can show whether the judge agrees with you")
        } else {
            ok("judge", detail)
        }
    }
}
