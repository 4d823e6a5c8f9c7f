import ArgumentParser
import Foundation
import LuaHost
import ModelClient
import TaskPack
import Tuning

/// `rpt eval` on one model, and the table that sets several models side by side (the transfer
/// of one prompt across models, over the same sample).
enum EvalTargets {
    struct Run {
        var model: String
        var results: [ExampleResult]
        var report: EvalReport
    }

    /// A model's subfolder: its name with anything but letters, digits, '.', '-' and '_' as '_'.
    static func folderName(_ model: String) -> String {
        String(model.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
    }

    /// How every model is asked: the command's settings.
    struct Settings: Sendable {
        var pack: String
        var temperature: Double
        var maxTokens: Int?
        var jsonMode: Bool
        /// The judge of a pack with one (the same for every model).
        var judgeModel: String?
        var judge: Judge?
    }

    /// The evaluator's run with each result appended to `file` as it comes and shown by
    /// `progress`, which is finished however the run ends (eval and compare both score this way).
    static func score(_ evaluator: Evaluator, runtime: PackRuntime, examples: [Example], program: PromptProgram,
                      into file: ResultsFile, progress: Progress) async throws -> ([ExampleResult], ModelError?) {
        defer { progress.finish() }
        return try await evaluator.run(runtime: runtime, examples: examples, prompt: program) { r in
            try file.append(r)
            progress.add(r)
        }
    }

    /// Scores the prompt with one model: results.jsonl as they come, summary.json at the end.
    /// Runs inside the command's one cancellable task (Ctrl-C stops whichever model is running).
    static func evaluate(_ model: String, hub: ModelHub, runtime: PackRuntime, examples: [Example], program: PromptProgram,
                         folder: String, settings e: Settings, scope: String) async throws -> Run {
        let progress = Progress(total: examples.count)
        hub.onNotice { progress.note($0) }
        var evaluator = Evaluator(client: try hub.client(model, role: "target"))
        evaluator.temperature = e.temperature
        evaluator.maxTokens = runtime.spec.replyTokens(e.maxTokens)
        evaluator.jsonMode = e.jsonMode
        evaluator.failFast = 5
        evaluator.judge = e.judge
        let results = try ResultsFile(path: folder + "/results.jsonl")
        let (done, stop): ([ExampleResult], ModelError?)
        do {
            (done, stop) = try await score(evaluator, runtime: runtime, examples: examples, program: program, into: results, progress: progress)
        } catch let failing as PackFailing {
            FileHandle.standardError.write(Data("stopped: \(failing)\nfix the pack (rpt check \(e.pack) runs its hooks without a model); results so far are in \(results.path)\n".utf8))
            throw ExitCode.failure
        }
        let named = (try? ModelName(parsing: model))?.description ?? model
        let lines = hub.ledger.lines.filter { $0.model == named || $0.role == "judge" }
        var report = EvalReport(pack: runtime.spec.name, split: scope, model: model, metrics: Metrics(done),
                                ledger: lines, cost: lines.reduce(Double?(0)) { sum, l in sum.flatMap { s in l.cost.map { s + $0 } } },
                                resultsFile: results.path, stoppedBy: stop?.message, firstAPIError: done.lazy.compactMap(\.apiError).first,
                                firstPackError: done.lazy.compactMap(\.packError).first, judge: e.judgeModel)
        report.parameters = runtime.parameters.values
        try (JSON.encode(report.json) + "\n").write(toFile: folder + "/summary.json", atomically: true, encoding: .utf8)
        return Run(model: model, results: done, report: report)
    }

    /// Why a regression case did not pass, in a few words.
    static func why(_ r: ExampleResult) -> String {
        if let e = r.apiError { return "not checked (API error: \(e.prefix(120)))" }
        guard let o = r.outcome else { return "no result" }
        return (o.failure ?? "score \(o.score)") + (o.detail.map { ": \($0.prefix(160))" } ?? "")
    }

    struct Table {
        var text: String
        var json: JSONValue
    }

    /// One row per model: score with a 95% bootstrap interval, format errors, and the count of
    /// each failure mode (the pack's modes, then any others such as pack_error).
    static func table(_ runs: [Run], pack: String, scope: String, modes packModes: [String]) -> Table {
        let seen = Set(runs.flatMap { $0.report.metrics.failures.keys })
        let modes = packModes.filter(seen.contains) + seen.subtracting(packModes).sorted()
        let width = max(5, runs.map(\.model.count).max() ?? 5)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        let n = runs.first?.report.metrics.examples ?? 0
        var text = "rpt eval \(pack) · \(scope) · \(n) examples · \(runs.count) models\n"
        text += "  " + pad("model", width) + "  score  95% CI            scored  " + modes.map { pad($0, max(6, $0.count)) }.joined(separator: " ") + "\n"
        var rows: [JSONValue] = []
        for run in runs {
            let m = run.report.metrics
            let scores = run.results.compactMap { $0.apiError == nil ? $0.outcome?.score : nil }
            let ci = Selection.bootstrap(scores, level: 0.95, seed: 1)
            text += "  " + pad(run.model, width) + String(format: "  %.3f  [%.3f, %.3f]  %6d  ", m.score, ci.lower, ci.upper, m.scored)
                + modes.map { pad(String(m.failures[$0] ?? 0), max(6, $0.count)) }.joined(separator: " ") + "\n"
            var row = run.report.json.object ?? [:]
            row["score_ci95"] = [.double(ci.lower), .double(ci.upper)]
            rows.append(.object(row))
        }
        text += "results: " + runs.compactMap(\.report.resultsFile).joined(separator: ", ") + "\n"
        return Table(text: text, json: ["pack": .string(pack), "split": .string(scope), "examples": .int(Int64(n)), "models": .array(rows)])
    }
}
