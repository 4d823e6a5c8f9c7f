import Foundation
import LuaHost
import ModelClient
import TaskPack

/// What `rpt try` prints: a section per step, the hooks' log lines under the hook that wrote
/// them, message texts exactly as sent (no indent, no wrapping), values as compact JSON.
struct TryOutput {
    let log: HookLog

    func section(_ title: String) { print("\n--- \(title) ---") }

    func line(_ label: String, _ value: String) {
        print(label.padding(toLength: 11, withPad: " ", startingAt: 0) + " " + value)
    }

    func header(pack: String, example ex: Example, split: Split, note: String?) {
        print("rpt try \(pack) · example \(ex.id) · \(split.rawValue) (\(ex.source))")
        if let note { print("note: \(note)") }
        let row = ex.value.description
        print("example: " + (row.count > 1000 ? row.prefix(1000) + " ... (\(row.count - 1000) more characters)" : row))
    }

    /// Runs one hook under its own section: its log lines, then its result (or its failure,
    /// which ends the command).
    func hook<T>(_ name: String, example: Example, body: () throws(HookError) -> T) throws -> T {
        section(name)
        do throws(HookError) {
            let value = try body()
            logs(of: name)
            return value
        } catch {
            logs(of: name)
            failure(error)
            throw Refusal(error.description)
        }
    }

    /// The log lines of `hook` kept so far (and, under it, any other hook's, which should not happen).
    func logs(of hook: String) {
        let lines = log.drain()
        if !lines.isEmpty && hook == "load" { section("task.lua loading") }
        for l in lines { line("log", (l.hook == hook ? "" : "[\(l.hook)] ") + "\(l.level): \(l.message)") }
    }

    func messages(_ messages: [ChatMessage]) {
        print("\nmessages: the system text, then the user turn (the instruction's sections joined by a blank line, a blank line, render's text)")
        for m in messages {
            let text = m.content ?? ""
            section("\(m.role.rawValue) (\(text.count) character\(text.count == 1 ? "" : "s"))")
            print(text)
        }
    }

    /// What extract, score and classify returned, each under its own section with its log lines;
    /// then the section of the hook that `failed`, if one did (its failure follows).
    func steps(_ steps: [HookStep], spec: TaskSpec, failed: String? = nil) {
        let lines = log.drain()
        func hookSection(_ name: String) {
            section(name)
            for l in lines where l.hook == name { line("log", "\(l.level): \(l.message)") }
        }
        let more = steps.lazy.compactMap { step -> [String]? in if case .moreModes(let m) = step { m } else { nil } }.first ?? []
        var scoreShown = false   // with metrics, the score's section opens at the metrics
        for step in steps {
            switch step {
            case .extracted(let answer, let confidence, let reason):
                hookSection("extract")
                if let answer {
                    line("answer", answer.description)
                    line("confidence", confidence.map { "\($0)" } ?? "none")
                } else {
                    line("answer", "nil: \(reason ?? "")")
                    line("mode", "\(TaskSpec.formatMode) (score 0; score and classify do not run)")
                }
            case .metrics(let m):
                hookSection("score")
                scoreShown = true
                for (name, v) in m.sorted(by: { $0.key < $1.key }) { line(name, String(format: "%g", v)) }
            case .moreModes: break   // listed with the first mode, before the detail
            case .scored(let score):
                if !scoreShown { hookSection("score") }
                line("score", String(format: "%g", score))
                if score >= 1 { section("classify"); print("not run: a full score") }
            case .judged(let verdict, let reference):
                section("judge")
                line("reference", reference.map { $0.count > 300 ? $0.prefix(300) + "..." : $0 } ?? "none")
                line("score", "\(verdict.lua["score"]!) (normalized \(String(format: "%g", verdict.normalized)))")
                for c in verdict.criteria { line(c.met ? "met" : "not met", c.text + (c.reason.isEmpty ? "" : ": \(c.reason)")) }
                line("reason", verdict.reason)
            case .classified(let mode, let detail):
                hookSection("classify")
                if !spec.hasClassify { print("the pack has no classify: a score below 1 is '\(mode)'") }
                for m in [mode] + more { line("mode", m + (spec.failures[m].map { ": \($0)" } ?? "")) }
                line("detail", detail ?? "none")
            }
        }
        if let failed { hookSection(failed) }
    }

    func failure(_ error: HookError) {
        print("\n\(error.hook) FAILED" + (error.location.map { " at \($0)" } ?? "") + (error.hitLimit ? " (a limit was hit)" : ""))
        print(error.message)
        if !error.traceback.isEmpty {
            print("traceback:")
            for frame in error.traceback { print("  " + frame) }
        }
    }

    func result(_ outcome: Outcome) {
        section("result")
        var parts = ["score \(String(format: "%g", outcome.score))"]
        if outcome.failure != nil {
            parts.append("failure mode\(outcome.modes.count > 1 ? "s" : "") \(outcome.modes.joined(separator: ", "))" + (outcome.detail.map { " (\($0))" } ?? ""))
        }
        print(parts.joined(separator: " · "))
    }
}
