import Foundation
import Testing
import LuaHost
import MockModels
import ModelClient
import TaskPack
import TestSupport
@testable import Tuning

/// The evaluator with a judge: each reply extract reads is graded, the verdict goes to score, the
/// judge's reasons reach the optimizer's report, and the judge is accounted as its own role.
@Suite struct JudgeEvaluatorTests {
    let pack = repoRoot.appendingPathComponent("Tests/Fixtures/judge-pack")

    func judged(_ server: MockServer, budget: Budget = Budget()) throws -> (PackRuntime, [Example], Evaluator, ModelHub) {
        let runtime = try PackRuntime(directory: pack)
        var config = ModelConfig.builtIn
        config.endpoints["mock"] = EndpointConfig(name: "mock", kind: .openai, baseURL: server.baseURL, apiKeyEnv: nil)
        let hub = try ModelHub(config: config, ledger: UsageLedger(budget: budget), retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.001, maxDelay: 0.01))
        var evaluator = Evaluator(client: try hub.client("mock:t", role: "target"))
        evaluator.judge = try Tuner.judge("mock:j", spec: runtime.spec, hub: hub)
        evaluator.failFast = 5
        return (runtime, try PackData.load(spec: runtime.spec, directory: pack)[.dev], evaluator, hub)
    }

    @Test func verdictsReachScoreAndTheReportShowsTheJudgesReasons() async throws {
        let world = JudgeWorld()
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let (runtime, examples, evaluator, hub) = try judged(server)
        let (results, stop) = try await evaluator.run(runtime: runtime, examples: examples, prompt: PromptProgram(runtime.spec.prompt))
        #expect(stop == nil && results.count == 8)
        let m = Metrics(results)
        #expect(m.score == 0.625 && m.apiErrors == 0 && m.failures == ["weak": 4])
        #expect(results.filter { $0.outcome?.failure == "weak" }.allSatisfy { $0.outcome?.verdict?.reason == JudgeWorld.weakReason })
        let report = DiagnosticReport.build(label: "dev", results: results, examples: examples, runtime: runtime)
        #expect(report.text().contains("judge 2, normalized 0.25: \(JudgeWorld.weakReason)"), "\(report.text())")
        #expect(report.json["modes"]?.array?.first?["examples"]?.array?.first?["verdict"]?.string?.hasPrefix("judge 2") == true)
        let judge = hub.ledger.lines.first { $0.role == "judge" }
        #expect(judge?.model == "mock:j" && judge?.usage == Usage(inputTokens: 4000, outputTokens: 320) && judge?.calls == 8)
    }

    @Test func theJudgesTokensCountTowardTheBudget() async throws {
        let world = JudgeWorld()
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        // Room for two target calls (110 tokens each), but not for one target call and one verdict (540).
        let (runtime, examples, evaluator, hub) = try judged(server, budget: Budget(maxTokens: 221))
        let program = PromptProgram(runtime.spec.prompt)
        let (first, _) = try await evaluator.run(runtime: runtime, examples: [examples[0]], prompt: program)
        #expect(first.count == 1 && first[0].outcome != nil)
        let (second, stop) = try await evaluator.run(runtime: runtime, examples: [examples[1]], prompt: program)
        #expect(stop?.kind == .budget && second.isEmpty)
        #expect(hub.ledger.totalUsage.total == 650)
    }

    @Test func aFailingJudgeIsAnAPIErrorNeverTheTargetsMistake() async throws {
        let world = JudgeWorld()
        let server = try MockServer { JudgeWorld.isJudge($0) ? .error(503, "judge down") : world.reply($0) }
        defer { server.stop() }
        let (runtime, examples, evaluator, hub) = try judged(server)
        let (results, _) = try await evaluator.run(runtime: runtime, examples: examples, prompt: PromptProgram(runtime.spec.prompt))
        // Every example still went out (judge errors do not count toward stopping early), none was scored.
        #expect(results.count == 8)
        let m = Metrics(results)
        #expect(m.apiErrors == 8 && m.judgeErrors == 8 && m.scored == 0 && m.failures.isEmpty)
        #expect(results.allSatisfy { $0.judgeError && $0.reply != nil && $0.outcome == nil })
        #expect(results.allSatisfy { $0.apiError?.hasPrefix("judge mock:j: HTTP 503") == true })
        #expect(hub.ledger.lines.first { $0.role == "judge" }.map { $0.failures == 8 && $0.retries == 16 } == true)
    }
}
