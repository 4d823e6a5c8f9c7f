import Foundation
import LuaHost

/// The pack's own test cases: `tests/*.lua`, each returning a list of cases such as
/// `{ name = "chatty reply", example = {...}, reply = "...", answer = "x", score = 1 }`.
/// A case may also check `confidence`, `failure` (a mode, `format` for an unreadable reply)
/// and `rendered` (the exact user message for `example`). In a pack with a judge, `verdict` is
/// what the judge is taken to have said (default: the best verdict); `tests/judge.lua` holds the
/// judged cases instead (`JudgeCases`).
enum PackCases {
    static let keys = ["name", "example", "reply", "answer", "confidence", "score", "failure", "rendered", "verdict"]

    struct Summary {
        var files: [String] = []
        var cases = 0
        var problems: [PackError] = []
    }

    static func run(_ runtime: PackRuntime) -> Summary {
        var summary = Summary()
        let dir = runtime.directory.appendingPathComponent("tests")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".lua") && "tests/\($0)" != JudgeCases.file }.sorted()
        for name in names {
            let file = "tests/\(name)"
            summary.files.append(file)
            let source: String
            do { source = try PackFiles.source(file, in: runtime.directory) } catch {
                summary.problems.append(PackError(file, error == .missing ? "cannot read the file" : error.message)); continue
            }
            let cases: [LuaValue]
            do {
                guard let list = try runtime.runDataFile(source, chunkName: file)?.array else {
                    summary.problems.append(PackError(file, "must return a list of cases: return { { name = ..., example = ..., reply = ... }, ... }"))
                    continue
                }
                cases = list
            } catch {
                summary.problems.append(PackError(error.location ?? file, PackRuntime.strip(error.message))); continue
            }
            for (i, c) in cases.enumerated() {
                summary.cases += 1
                let label = c["name"]?.string.map { "case \(i + 1) '\($0)'" } ?? "case \(i + 1)"
                for p in check(c, runtime: runtime) { summary.problems.append(PackError(file, "\(label): \(p)")) }
            }
        }
        return summary
    }

    static func check(_ c: LuaValue, runtime: PackRuntime) -> [String] {
        guard let fields = c.object else { return ["must be a table"] }
        var problems: [String] = []
        for key in fields.keys.sorted() where !keys.contains(key) {
            problems.append("unknown key '\(key)'" + TaskValidation.suggestion(for: key, among: keys))
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
        if let want = fields["failure"]?.string, outcome.failure != want {
            problems.append("failure \(outcome.failure ?? "none (full score)"), expected \(want)")
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
