import Foundation
import Testing
import LuaHost
import MockServer
import ModelClient
import Synchronization
import TaskPack
@testable import Tuning

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A scripted banking77 "model": right for about 70% of messages (by a hash of the text), with a
/// confidence that tracks it; faults for some attempts as `faults` decides.
final class BankingModel: Sendable {
    let labels: [String: String]
    let attempts = Mutex<[String: Int]>([:])
    let faults: @Sendable (_ text: String, _ attempt: Int) -> MockReply?

    init(examples: [Example], faults: @escaping @Sendable (String, Int) -> MockReply? = { _, _ in nil }) {
        var labels: [String: String] = [:]
        for ex in examples { labels[ex.fields["text"]!.string!] = ex.fields["label"]!.string!.lowercased() }
        self.labels = labels
        self.faults = faults
    }

    static func hash(_ s: String) -> UInt64 { s.utf8.reduce(1469598103934665603) { ($0 ^ UInt64($1)) &* 1099511628211 } }

    func reply(_ req: MockRequest) -> MockReply {
        let user = req.json?["messages"]?.array?.last?["content"]?.string ?? ""
        let text = user.components(separatedBy: "Customer message: ").last ?? ""
        let attempt = attempts.withLock { a -> Int in a[text, default: 0] += 1; return a[text]! - 1 }
        if let fault = faults(text, attempt) { return fault }
        let right = BankingModel.hash(text) % 10 < 7
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

    @Test func mixedFaultsScoreEveryExampleOnceAndTheCacheAnswersARerun() async throws {
        let (runtime, examples) = try banking()
        #expect(examples.count == 500)
        // About one request in five fails, in every way a server fails; no example more than twice.
        let model = BankingModel(examples: examples) { text, attempt in
            let h = BankingModel.hash("\(text)#\(attempt)")
            return attempt < 2 && h % 100 < 22 ? MockReply.fault(Int(h >> 8)) : nil
        }
        let server = try MockServer { model.reply($0) }
        defer { server.stop() }
        let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-eval-\(UUID().uuidString)")
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
        second.usage = first.usage
        #expect(second == first)
        #expect(again.cache?.hits == 500)
        #expect(again.ledger.lines.first?.usage == Usage())
    }

    @Test func apiErrorsAreCountedApartAndNotScored() async throws {
        let (runtime, all) = try banking()
        let examples = Array(all.prefix(60))
        let doomed = Set(examples.prefix(6).map { $0.fields["text"]!.string! })
        let model = BankingModel(examples: examples) { text, _ in doomed.contains(text) ? .error(503, "down for this one") : nil }
        let server = try MockServer { model.reply($0) }
        defer { server.stop() }
        let hub = try fastHub(server, cache: nil)
        let (results, _) = try await Evaluator(client: try hub.client("mock:m", role: "target"))
            .run(runtime: runtime, examples: examples, prompt: PromptProgram(runtime.spec.prompt))
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
        let model = BankingModel(examples: examples)
        let server = try MockServer { model.reply($0) }
        defer { server.stop() }
        var config = ModelConfig.builtIn
        config.endpoints["mock"] = EndpointConfig(name: "mock", kind: .openai, baseURL: server.baseURL, apiKeyEnv: nil)
        config.endpoints["mock"]?.concurrency = 1
        let hub = try ModelHub(config: config, ledger: UsageLedger(budget: Budget(maxTokens: 9_000)))
        var evaluator = Evaluator(client: try hub.client("mock:m", role: "target"))
        evaluator.inFlight = 1
        let (results, stop) = try await evaluator.run(runtime: runtime, examples: examples, prompt: PromptProgram(runtime.spec.prompt))
        #expect(stop?.kind == .budget)
        #expect(results.count == 10)                    // 10 x 912 tokens crosses 9,000
        #expect(results.allSatisfy { $0.outcome != nil })
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
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-prompt-\(UUID().uuidString)")
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
