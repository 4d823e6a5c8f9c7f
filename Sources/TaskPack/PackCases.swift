import Foundation
import LuaHost

/// The pack's own test cases: `tests/*.lua`, each returning a list of cases such as
/// `{ name = "chatty reply", example = {...}, reply = "...", answer = "x", score = 1 }`.
/// A case may also check `confidence`, `failure` (a mode, `format` for an unreadable reply),
/// `detail` (the failure's detail: extract's reason or classify's second value, exactly) and
/// `rendered` (the exact user message for `example`). In a pack with a judge, `verdict` is what
/// the judge is taken to have said (default: the best verdict); `tests/judge.lua` holds the
/// judged cases instead (`JudgeCases`).
enum PackCases {
    static let keys = ["name", "example", "reply", "answer", "confidence", "score", "failure", "detail", "rendered", "verdict", "metrics"]

    struct Summary {
        var files: [String] = []
        var cases = 0
        /// Cases with at least one problem.
        var failing = 0
        /// Files that gave no cases to run (missing, a syntax error, not a list, empty).
        var badFiles = 0
        var problems: [PackError] = []

        /// The line `rpt check` prints for the step: what failed, in cases and in files.
        var verdict: String {
            var parts: [String] = []
            if failing > 0 || badFiles == 0 { parts.append("\(failing) of \(cases) cases fail") }
            if badFiles > 0 { parts.append("\(badFiles) of \(files.count) files give no cases") }
            return parts.joined(separator: "; ")
        }
    }

    static func run(_ runtime: PackRuntime) -> Summary {
        var summary = Summary()
        let dir = runtime.directory.appendingPathComponent("tests")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".lua") && "tests/\($0)" != JudgeCases.file }.sorted()
        for name in names {
            let file = "tests/\(name)"
            summary.files.append(file)
            let cases: [LuaValue]
            switch load(file, runtime) {
            case .failure(let problem):
                summary.badFiles += 1
                summary.problems.append(problem)
                continue
            case .success(let list):
                cases = list
            }
            for (i, c) in cases.enumerated() {
                summary.cases += 1
                let label = c["name"]?.string.map { "case \(i + 1) '\($0)'" } ?? "case \(i + 1)"
                let found = check(c, runtime: runtime)
                if !found.isEmpty { summary.failing += 1 }
                for p in found { summary.problems.append(PackError(file, "\(label): \(p)")) }
            }
        }
        return summary
    }

    /// The cases a tests file returns, or what is wrong with it (a syntax error at its line, no
    /// list, no cases).
    static func load(_ file: String, _ runtime: PackRuntime) -> Result<[LuaValue], PackError> {
        let source: String
        do { source = try PackFiles.source(file, in: runtime.directory) } catch {
            return .failure(PackError(file, error == .missing ? "cannot read the file" : error.message))
        }
        let value: LuaValue?
        do { value = try runtime.runDataFile(source, chunkName: file) } catch {
            return .failure(PackError(error.location ?? file, "\(error.kind.rawValue): \(PackRuntime.strip(error.message))"))
        }
        let shape = "return { { name = ..., example = ..., reply = ... }, ... }"
        switch value {
        case .array(let list)? where !list.isEmpty:
            return .success(list)
        case .array?, .object([:])?:
            return .failure(PackError(file, "returns no cases: \(shape)"))
        case .object(let fields)? where fields["example"] != nil:
            return .failure(PackError(file, "returns one case, not a list of cases: wrap it in braces, \(shape)"))
        default:
            let got = value.map { $0.typeName == "table" ? "a table that is not a list" : "a \($0.typeName)" } ?? "nothing"
            return .failure(PackError(file, "must return a list of cases, not \(got): \(shape)"))
        }
    }

    static func check(_ c: LuaValue, runtime: PackRuntime) -> [String] {
        guard let fields = c.object else { return ["must be a table"] }
        var problems: [String] = []
        for key in fields.keys.sorted() where !keys.contains(key) {
            problems.append("unknown key '\(key)'" + TaskValidation.suggestion(for: key, among: keys)
                            + "; a case may have \(keys.joined(separator: ", "))")
        }
        guard let exFields = fields["example"]?.object else { return problems + ["needs an 'example' table"] }
        let example = Example(id: fields["name"]?.string ?? "test case", fields: exFields, source: "test case")
        if let rendered = fields["rendered"] {
            do {
                let got = try runtime.render(example)
                if got != rendered.string { problems.append("rendered \(LuaValue.string(got)), expected \(rendered)") }
            } catch { problems.append(error.message) }
        }
        guard let reply = fields["reply"] else {
            if fields["rendered"] == nil { problems.append("needs a 'reply' (or a 'rendered' message) to check") }
            return problems
        }
        guard let replyText = reply.string else { return problems + ["'reply' must be a string"] }
        var verdict: Verdict?
        if let judge = runtime.spec.judge {
            switch fields["verdict"].map(judge.verdict(from:)) ?? .success(judge.perfect) {
            case .success(let v): verdict = v
            case .failure(let e): return problems + ["'verdict' is not one the judge could give: \(e.message)"]
            }
        } else if fields["verdict"] != nil {
            problems.append("'verdict' is for packs with a judge")
        }
        let outcome: Outcome
        do { outcome = try runtime.evaluate(reply: replyText, example: example, verdict: verdict) } catch { return problems + [error.message] }
        if let want = fields["answer"], !same(outcome.answer, want) {
            problems.append("answer \(outcome.answer.map { "\($0)" } ?? "nil (\(outcome.detail ?? ""))"), expected \(want)")
        }
        if let want = fields["confidence"]?.number, !close(outcome.confidence, want) {
            problems.append("confidence \(outcome.confidence.map { "\($0)" } ?? "nil"), expected \(want)")
        }
        if let want = fields["score"]?.number, !close(outcome.score, want) {
            problems.append("score \(String(format: "%g", outcome.score)), expected \(String(format: "%g", want))")
        }
        // One mode, or a list of them in classify's order for an example wrong in several ways.
        if let want = fields["failure"] {
            let wanted: [String]? = if let s = want.string { [s] }
                else if case .array(let items) = want, items.allSatisfy({ $0.string != nil }) { items.compactMap(\.string) } else { nil }
            if let wanted {
                if outcome.modes != wanted {
                    problems.append("failure \(outcome.modes.isEmpty ? "none (full score)" : outcome.modes.joined(separator: ", ")), expected \(wanted.joined(separator: ", "))")
                }
            } else {
                problems.append("'failure' must be a mode or a list of modes")
            }
        }
        if let want = fields["metrics"] {
            if case .object(let o) = want, o.values.allSatisfy({ $0.number != nil }) {
                for (name, v) in o.sorted(by: { $0.key < $1.key }) where !close(outcome.metrics?[name], v.number!) {
                    problems.append("metric \(name) \(outcome.metrics?[name].map { String(format: "%g", $0) } ?? "none"), expected \(String(format: "%g", v.number!))")
                }
            } else {
                problems.append("'metrics' must be a table of metric values, e.g. { intent = 1, urgency = 0 }")
            }
        }
        if let want = fields["detail"] {
            if let text = want.string {
                if outcome.detail != text {
                    problems.append("detail \(outcome.detail.map { "'\($0)'" } ?? "none"), expected '\(text)'")
                }
            } else {
                problems.append("'detail' must be a string (the exact detail of the failure)")
            }
        }
        return problems
    }

    static func close(_ a: Double?, _ b: Double) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    }

    /// Equality that treats 1 and 1.0 alike.
    static func same(_ a: LuaValue?, _ b: LuaValue) -> Bool {
        guard let a else { return false }
        if let x = a.number, let y = b.number { return close(x, y) }
        switch (a, b) {
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { same(v, $0) } ?? false }
        default: return a == b
        }
    }
}
