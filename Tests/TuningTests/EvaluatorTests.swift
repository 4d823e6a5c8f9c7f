import Foundation
import Testing
import LuaHost
import MockModels
import ModelClient
import StableHash
import TestSupport
import Synchronization
import TaskPack
@testable import Tuning

/// A scripted banking77 "model": right for about 70% of messages (by a hash of the text), with a
/// confidence that tracks it; faults for some attempts as `faults` decides.
final class BankingModel: Sendable {
    let labels: [String: String]
    let attempts = Mutex<[String: Int]>([:])
    let faults: @Sendable (_ text: String, _ attempt: Int) -> MockReply?

    init(faults: @escaping @Sendable (String, Int) -> MockReply? = { _, _ in nil }) throws {
        labels = try ScriptedWorld.banking77Labels()
        self.faults = faults
    }

    func reply(_ req: MockRequest) -> MockReply {
        let user = req.json?["messages"]?.array?.last?["content"]?.string ?? ""
        let text = user.components(separatedBy: "Customer message: ").last ?? ""
        let attempt = attempts.withLock { a -> Int in a[text, default: 0] += 1; return a[text]! - 1 }
        if let fault = faults(text, attempt) { return fault }
        let right = FNV1a.hash(text) % 10 < 7
        let intent = right ? (labels[text] ?? "card_arrival") : "exchange_rate"
        return .chat(#"{"intent": "\#(intent)", "confidence": \#(right ? 0.9 : 0.4)}"#, promptTokens: 900, completionTokens: 12)
    }
}

func fastHub(_ server: MockServer, cache: ResponseCache?) throws -> ModelHub {
    var config = ModelConfig.builtIn
    config.endpoints["mock"] = EndpointConfig(name: "mock", kind: .openai, baseURL: server.baseURL, apiKeyEnv: nil)
    config.prices["mock:m"] = Price(input: 0.4, output: 1.6)
    return try ModelHub(config: config, cache: cache, retry: RetryPolicy(maxAttempts: 6, baseDelay: 0.001, maxDelay: 0.01))
}

@Suite struct EvaluatorTests {
    let pack = repoRoot.appendingPathComponent("tasks/banking77")

    func banking() throws -> (PackRuntime, [Example]) {
        let rt = try PackRuntime(directory: pack)
        return (rt, try PackData.load(spec: rt.spec, directory: pack)[.dev])
    }

    /// End to end, through the mock server and a hub: every way a server fails, retried, and a
    /// rerun answered by the response cache alone.
    @Test func endToEndMixedFaultsScoreEveryExampleOnceAndTheCacheAnswersARerun() async throws {
        let (runtime, examples) = try banking()
        #expect(examples.count == 500)
        // About one request in five fails, in every way a server fails; no example more than twice.
        let model = try BankingModel { text, attempt in
            let h = FNV1a.hash("\(text)#\(attempt)")
            return attempt < 2 && h % 100 < 22 ? MockReply.fault(Int(h >> 8)) : nil
        }
        let server = try MockServer { model.reply($0) }
        defer { server.stop() }
        let cacheDir = Scratch.url("eval")
        let hub = try fastHub(server, cache: try ResponseCache(path: cacheDir.appendingPathComponent("r.sqlite").path))
        let program = PromptProgram(runtime.spec.prompt)
        let (results, stop) = try await Evaluator(client: try hub.client("mock:m", role: "target"))
            .run(runtime: runtime, examples: examples, prompt: program)
        #expect(stop == nil)
        #expect(results.count == 500)
        #expect(Set(results.map(\.index)) == Set(0..<500))
        let first = Metrics(results)
        #expect(first.scored == 500 && first.apiErrors == 0 && first.packErrors == 0)
        let failedRequests = server.requestCount - 500
        #expect(Double(failedRequests) / Double(server.requestCount) > 0.12)     // the faults really happened
        // Each failed request is retried by rpt, except a dropped kept-alive connection, which curl retries itself.
        let retries = hub.ledger.lines.first?.retries ?? 0
        #expect(retries > failedRequests / 2 && retries <= failedRequests)
        #expect(abs(first.score - 0.7) < 0.07)
        #expect(first.calibration.map { $0.auroc! > 0.95 && $0.count == 500 } == true)
        #expect(first.failures["wrong_intent"].map { $0 > 0 } == true)

        // A second run: the same numbers, no HTTP request at all.
        let quiet = try MockServer { _ in .error(500, "must not be called") }
        defer { quiet.stop() }
        var config = hub.config
        config.endpoints["mock"]?.baseURL = server.baseURL
        let again = try ModelHub(config: config, cache: try ResponseCache(path: cacheDir.appendingPathComponent("r.sqlite").path))
        server.stop()
        let (rerun, _) = try await Evaluator(client: try again.client("mock:m", role: "target"))
            .run(runtime: runtime, examples: examples, prompt: program)
        var second = Metrics(rerun)
        #expect(second.cached == 500)
        second.cached = first.cached
        #expect(second == first)
        #expect(again.cache?.hits == 500)
        #expect(again.ledger.lines.first?.usage == Usage())
    }

    @Test func apiErrorsAreCountedApartAndNotScored() async throws {
        let (runtime, all) = try banking()
        let examples = Array(all.prefix(60))
        let doomed = Set(examples.prefix(6).map { $0.fields["text"]!.string! })
        let target = ScriptedModels(labels: try ScriptedWorld.banking77Labels()) { _, _ in [] }.models().target
        let client = FailingClient(inner: target) { request in
            doomed.contains { request.messages.last?.content?.hasSuffix($0) == true } ? ModelError(.server, "down for this one", status: 503) : nil
        }
        let (results, _) = try await Evaluator(client: client).run(runtime: runtime, examples: examples, prompt: PromptProgram(runtime.spec.prompt))
        let m = Metrics(results)
        #expect(m.examples == 60 && m.apiErrors == 6 && m.scored == 54)
        #expect(abs(m.apiErrorRate - 0.1) < 1e-9)
        #expect(results.filter { $0.apiError != nil }.allSatisfy { $0.outcome == nil && $0.apiError!.contains("HTTP 503") })
        let scored = results.compactMap(\.outcome)
        #expect(abs(m.score - scored.map(\.score).reduce(0, +) / 54) < 1e-12)
    }

    @Test func budgetStopsTheEvaluationCleanly() async throws {
        let (runtime, all) = try banking()
        let examples = Array(all.prefix(40))
        let world = ScriptedModels(labels: try ScriptedWorld.banking77Labels(), tokenBudget: 9_000) { _, _ in [] }
        var evaluator = Evaluator(client: world.models().target)
        evaluator.inFlight = 1
        let (results, stop) = try await evaluator.run(runtime: runtime, examples: examples, prompt: PromptProgram(runtime.spec.prompt))
        #expect(stop?.kind == .budget)
        #expect(results.count == 10)                    // 10 x 912 tokens crosses 9,000
        #expect(results.allSatisfy { $0.outcome != nil })
    }

    @Test func anExampleAHookFailsOnCountsAsZeroNeverLeftOut() async throws {
        // 4 of 5 dev rows lack `text`: left out of the mean they would make the score 1.000.
        let h = try HostileRun(dev: [HostilePack.row("d1", "a")] + (2...5).map { HostilePack.row("d\($0)", nil) })
        let results = try await h.run(h.data[.dev])
        let m = Metrics(results)
        #expect(m.examples == 5 && m.scored == 5 && m.packErrors == 4 && m.apiErrors == 0)
        #expect(abs(m.score - 0.2) < 1e-12)
        #expect(m.failures == [Outcome.packErrorMode: 4] && m.formatErrors == 0)
        #expect(h.model.requestCount == 1)
        let failed = results.filter { $0.packError != nil }
        #expect(failed.allSatisfy { $0.outcome?.score == 0 && $0.outcome?.failure == "pack_error" && $0.packError!.contains("render failed") })
        // The optimizer's report shows it as a mode, and a paired comparison counts it.
        let report = DiagnosticReport.build(label: "dev", results: results, examples: h.data[.dev], runtime: h.runtime)
        #expect(report.modes.first?.id == "pack_error" && report.modes.first?.count == 4)
        #expect(Selection.differences(results, results).count == 5)
    }

    @Test func aReplyThatMakesExtractHitItsLimitsCountsAsZero() async throws {
        let rows = ["a", "b", "HOG", "c", "SPIN", "d"].enumerated().map { HostilePack.row("x\($0.offset)", $0.element) }
        let h = try HostileRun(dev: rows)
        for _ in 0..<2 {                               // the state survives the limits: a second run scores the same
            let results = try await h.run(h.data[.dev])
            let m = Metrics(results)
            #expect(m.scored == 6 && m.packErrors == 2 && abs(m.score - 4.0 / 6) < 1e-12)
            let byID = Dictionary(uniqueKeysWithValues: results.map { ($0.id, $0) })
            #expect(byID["x2"]?.packError?.contains("memory") == true, "\(byID["x2"]?.packError ?? "")")
            #expect(byID["x4"]?.packError?.contains("instruction") == true, "\(byID["x4"]?.packError ?? "")")
        }
    }

    @Test func failFastMakesNoCallWhenRenderFailsOnTheFirstExamples() async throws {
        var h = try HostileRun(dev: (1...30).map { HostilePack.row("d\($0)", $0 <= 5 ? nil : "a") })
        await #expect(throws: PackFailing.self) { _ = try await h.run(h.data[.dev]) }
        #expect(h.model.requestCount == 0)
        // With 6 asked for, 5 failing rows are not enough: the sixth renders, and the rest are called.
        h.evaluator.failFast = 6
        #expect(Metrics(try await h.run(h.data[.dev])).packErrors == 5 && h.model.requestCount == 25)
    }

    @Test func failFastCancelsTheRestWhenExtractFailsOnTheFirstReplies() async throws {
        var h = try HostileRun(dev: (1...200).map { HostilePack.row("d\($0)", "SPIN \($0)") })
        do {
            _ = try await h.run(h.data[.dev])
            Issue.record("no stop")
        } catch let e as PackFailing {
            #expect(e.count == 5 && !e.beforeAnyCall)
            #expect(e.description.contains("the pack failed on the first 5 replies with the same error"))
            #expect(e.description.contains("extract failed on example"))
        }
        #expect(h.model.requestCount == 5)                // not 200

        // Different errors, or no fail-fast (as in tuning), run to the end.
        let mixed = (1...12).map { HostilePack.row("m\($0)", $0 % 2 == 0 ? "SPIN" : "HOG") }
        let results = try await h.run(try PackData.load(spec: h.runtime.spec, directory: try HostilePack.make(dev: mixed))[.dev])
        #expect(results.count == 12 && Metrics(results).packErrors == 12)
        for off in [nil, -1] {
            h.evaluator.failFast = off
            let all = try await h.run(Array(h.data[.dev].prefix(20)))
            #expect(all.count == 20 && Metrics(all).score == 0)
        }
    }

    /// A confidence is the chance of a full score: a partial score counts as wrong, not as a
    /// target probability (0.75 of a triage record right is a wrong record).
    @Test func partialScoresAreWrongForCalibration() {
        let c = Calibration([(0.75, 0.75), (0.75, 0.75), (0.5, 1), (0.25, 0.5)])
        #expect(abs(c.brier - (0.5625 + 0.5625 + 0.25 + 0.0625) / 4) < 1e-12)
        #expect(c.bins[7].accuracy == 0 && c.bins[5].accuracy == 1)
        #expect(abs(c.auroc! - 1.0 / 3) < 1e-12)   // the one right answer (0.5) beats 0.25, loses to both 0.75s
    }

    @Test func calibrationNumbers() {
        let c = Calibration([(0.9, 1), (0.9, 1), (0.9, 0), (0.2, 0), (0.2, 1)])
        #expect(abs(c.brier - (0.01 + 0.01 + 0.81 + 0.04 + 0.64) / 5) < 1e-12)
        #expect(abs(c.ece - (3.0 / 5 * abs(2.0 / 3 - 0.9) + 2.0 / 5 * abs(0.5 - 0.2))) < 1e-12)
        // right: 0.9, 0.9, 0.2; wrong: 0.9, 0.2 -> pairs won: (0.9>0.2)x2, ties 0.9=0.9 x2 (half), 0.2 vs 0.9 lost, 0.2=0.2 tie (half)
        #expect(abs(c.auroc! - (2 + 0.5 * 2 + 0.5) / 6) < 1e-12)
        #expect(Calibration.auroc([(0.9, true), (0.1, false)]) == 1)
        #expect(Calibration.auroc([(0.5, true), (0.5, false)]) == 0.5)
        #expect(Calibration.auroc([(0.5, true)]) == nil)
    }

    @Test func promptFiles() throws {
        let base = PromptProgram(system: "S", instruction: "I")
        let dir = Scratch.url("prompt")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let md = dir.appendingPathComponent("p.md").path
        try PromptProgram(system: "Sys two", instruction: "Line one\n\nLine two").markdown.write(toFile: md, atomically: true, encoding: .utf8)
        #expect(try PromptProgram.load(path: md, default: base) == PromptProgram(system: "Sys two", instruction: "Line one\n\nLine two"))
        let txt = dir.appendingPathComponent("p.txt").path
        try "Just do it.\n".write(toFile: txt, atomically: true, encoding: .utf8)
        #expect(try PromptProgram.load(path: txt, default: base) == PromptProgram(system: "S", instruction: "Just do it."))
        let js = dir.appendingPathComponent("p.json").path
        try #"{"instruction": "J"}"#.write(toFile: js, atomically: true, encoding: .utf8)
        #expect(try PromptProgram.load(path: js, default: base) == PromptProgram(system: "S", instruction: "J"))
    }
}

/// The hostile test pack loaded, its echo model in memory, and an evaluator that fails fast
/// after 5 (as `rpt eval` does).
struct HostileRun {
    let runtime: PackRuntime
    let data: PackData
    let model = EchoModel()
    var evaluator: Evaluator

    init(dev: [String]) throws {
        let pack = try HostilePack.make(dev: dev)
        runtime = try PackRuntime(directory: pack)
        data = try PackData.load(spec: runtime.spec, directory: pack)
        evaluator = Evaluator(client: model)
        evaluator.failFast = 5
    }

    func run(_ examples: [Example]) async throws -> [ExampleResult] {
        try await evaluator.run(runtime: runtime, examples: examples, prompt: PromptProgram(runtime.spec.prompt)).results
    }
}
