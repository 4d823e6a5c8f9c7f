import Foundation
import Testing
import LuaHost
import MockModels
import ModelClient
import Synchronization
import TaskPack
import TestSupport
@testable import Tuning

/// A banking77 tuning run against the scripted world, in a fresh run folder.
struct TuneFixture {
    let pack: URL
    let runtime: PackRuntime
    let data: PackData
    let initial: String
    let labels: [String: String]
    /// Texts of an added "guidance" section: `good` lifts the scripted target, `same` does not.
    var good: String { ScriptedWorld.magic }
    var same: String { "Read the whole message carefully before you answer." }

    /// banking77 as shipped, or a copy such as `GuardedPack`'s.
    init(pack: URL = repoRoot.appendingPathComponent("tasks/banking77")) throws {
        self.pack = pack
        runtime = try PackRuntime(directory: pack)
        data = try PackData.load(spec: runtime.spec, directory: pack)
        initial = runtime.spec.prompt.instruction
        labels = try ScriptedWorld.banking77Labels()
    }

    func settings(_ configure: (inout TuneSettings) -> Void = { _ in }) -> TuneSettings {
        var s = TuneSettings(pack: pack.path, target: "mock:t", optimizer: "mock:o")
        s.trainSample = 40; s.devLimit = 200; s.testLimit = 200; s.rounds = 4; s.patience = 3
        configure(&s)
        return s
    }

    typealias Script = @Sendable (_ round: Int, _ step: Int) -> [ScriptedWorld.Step]

    /// How a run reaches its models: scripted clients in memory (no socket), or, end to end, the
    /// same script behind the mock server through a hub (HTTP, the run's cache, retries, the
    /// ledger). Most tests run in memory; the few that take both show the two give the same run.
    enum Wire: CaseIterable, Sendable { case memory, mockServer }

    /// What a test reads after a run: the result, the run folder, and what the optimizer was sent.
    struct Run {
        let result: TuneResult
        let store: RunStore
        /// The tool results in each optimizer request, in order.
        let toolResults: [[String]]
        /// The temperature of each optimizer request, in order.
        let temperatures: [Double]
        /// The hub's ledger through the server; in memory, an empty one (the clients do not fill it).
        let ledger: UsageLedger
    }

    func run(_ script: @escaping Script, over wire: Wire = .memory, _ configure: (inout TuneSettings) -> Void = { _ in }) async throws -> Run {
        let s = settings(configure)
        let store = try RunStore(folder: Scratch.url("tune"))
        try store.write("config.json", json: s.json)
        switch wire {
        case .memory:
            let world = ScriptedModels(labels: labels, tokenBudget: s.budget.maxTokens, script: script)
            let models = world.models(alsoTargets: s.alsoTargets)
            let result = try await Tuner(settings: s, store: store, models: models, runtime: runtime, data: data).run()
            let requests = world.optimizerRequests
            return Run(result: result, store: store, toolResults: requests.map { $0.messages.filter { $0.role == .tool }.compactMap(\.content) },
                       temperatures: requests.compactMap(\.temperature), ledger: models.ledger)
        case .mockServer:
            let world = ScriptedWorld(labels: labels, script: script)
            let server = try MockServer { world.reply($0) }
            var config = ModelConfig.builtIn
            config.endpoints["mock"] = EndpointConfig(name: "mock", kind: .openai, baseURL: server.baseURL, apiKeyEnv: nil)
            let hub = try ModelHub(config: config, ledger: UsageLedger(budget: s.budget), cache: try ResponseCache(path: store.cachePath),
                                   cacheAllTemperatures: true, retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.001, maxDelay: 0.01))
            let result = try await Tuner(settings: s, store: store, models: try TuneModels(hub: hub, settings: s, spec: runtime.spec), runtime: runtime, data: data).run()
            let requests = server.requests.compactMap(\.json).filter { $0["tools"] != nil }
            return Run(result: result, store: store,
                       toolResults: requests.map { $0["messages"]?.array?.filter { $0["role"] == "tool" }.compactMap { $0["content"]?.string } ?? [] },
                       temperatures: requests.compactMap { $0["temperature"]?.number }, ledger: hub.ledger)
        }
    }

    static func call(_ name: String, _ args: LuaValue) -> ScriptedWorld.Step { (name, args) }
    static func submit(_ text: String, section: String = "guidance") -> ScriptedWorld.Step {
        call("edit_section", ["section": .string(section), "text": .string(text), "modes": ["wrong_intent"], "rationale": "test"])
    }
    static func stop(_ why: String = "nothing left") -> ScriptedWorld.Step { call("stop", ["reason": .string(why)]) }

    static func events(_ store: RunStore) -> [LuaValue] {
        (store.read("events.jsonl") ?? "").split(separator: "\n").compactMap { try? JSON.decode(String($0)) }
    }
}

@Suite struct TunerTests {
    /// Run both ways: the same script in memory and through the mock server gives the same run.
    @Test(arguments: TuneFixture.Wire.allCases)
    func theBestDevCandidateIsKeptAndTestReportsTheGain(over wire: TuneFixture.Wire) async throws {
        let f = try TuneFixture()
        let (good, same) = (f.good, f.same)
        let script: TuneFixture.Script = { round, step in
            switch (round, step) {
            case (1, 0): return [TuneFixture.call("evaluate_edit", ["section": "guidance", "text": .string(good)])]
            case (1, 1): return [TuneFixture.call("show_failures", ["mode": "wrong_intent", "count": 2])]
            case (1, 2): return [TuneFixture.submit(same)]
            case (1, 3): return [TuneFixture.submit(good)]
            default: return [TuneFixture.stop("the failures left look like noise")]
            }
        }
        let run = try await f.run(script, over: wire)
        let (r, store) = (run.result, run.store)
        #expect(r.best.section("guidance")?.text == good)
        #expect(r.best.sections.map(\.id) == ["task", "guidance", "labels", "format"])
        #expect(r.best.instruction.hasSuffix(f.runtime.spec.prompt.sections.last!.text))
        #expect(r.bestRound == 1)
        #expect(r.stopReason == "optimizer stopped: the failures left look like noise")
        #expect(abs(r.initialDev - 0.6) < 0.08 && abs(r.bestDev - 0.9) < 0.08)
        let fin = try #require(r.final)
        #expect(fin.gain.lower > 0.15 && fin.gain.n == 200)
        #expect(fin.bestTest.calibration != nil)
        let events = TuneFixture.events(store)
        let scored = events.filter { $0["type"] == "candidate_scored" }
        #expect(scored.map { $0["kept"] } == [.bool(false), .bool(true)])
        #expect(events.last?["type"] == "finished")
        #expect(store.read("best_prompt.md")?.contains("## Section guidance\n\n" + ScriptedWorld.magic) == true)
        #expect(store.read("best_prompt.md")?.contains("## Section labels (frozen)") == true)
        // The kept edit is traced to the modes it targeted and what it fixed.
        #expect(scored.last?["section"] == "guidance" && scored.last?["modes"] == ["wrong_intent"])
        #expect(scored.last?["effects"]?["wrong_intent"]?["fixed"]?.number ?? 0 > 0)
        // The folder alone explains the round: every optimizer message and tool result.
        let transcript = try JSON.decode(store.read("rounds/01/optimizer.json") ?? "")
        #expect(transcript.array?.filter { $0["role"] == "tool" }.count == 4)
        #expect(events.first { $0["type"] == "optimizer_round" }?["candidates"] == .int(2))
        let final = try JSON.decode(store.read("final.json") ?? "")
        #expect(final["paired_examples"] == .int(200))
        // The report the optimizer got back names failure modes and shows examples.
        let toolResults = run.toolResults.max { $0.count < $1.count } ?? []
        #expect(toolResults.first?.contains("### wrong_intent") == true)
        #expect(toolResults.contains { $0.hasPrefix("Examples of wrong_intent") })
        // Each model is accounted under its role (TuneModels from a hub).
        if wire == .mockServer { #expect(run.ledger.lines.map(\.role) == ["optimizer", "target"]) }
    }

    @Test func aStopAfterACandidateEndsTheRoundNotTheTuning() async throws {
        let f = try TuneFixture()
        let same = f.same
        // What a 1.5B optimizer did: one candidate, then stop, in round 1.
        let script: TuneFixture.Script = { round, step in
            switch (round, step) {
            case (1, 0): return [TuneFixture.submit(same)]
            case (1, _): return [TuneFixture.stop("done with this round")]
            default: return [TuneFixture.stop("nothing left")]
            }
        }
        let run = try await f.run(script)
        let (r, store) = (run.result, run.store)
        #expect(r.stopReason == "optimizer stopped: nothing left")
        let rounds = TuneFixture.events(store).filter { $0["type"] == "optimizer_round" }.compactMap { $0["round"]?.number }
        #expect(rounds == [1, 2])
    }

    @Test func iterationLimit() async throws {
        let f = try TuneFixture()
        let same = f.same
        let script: TuneFixture.Script = { _, step in step == 0 ? [TuneFixture.submit(same + " \(step)")] : [] }
        let run = try await f.run(script) { $0.rounds = 2; $0.patience = 5; $0.candidatesPerRound = 1 }
        let r = run.result
        #expect(r.stopReason == "iteration limit (2 rounds)")
        #expect(r.best.instruction == f.initial)
    }

    @Test func patience() async throws {
        let f = try TuneFixture()
        let same = f.same
        let script: TuneFixture.Script = { round, _ in [TuneFixture.submit(same + " Round \(round).")] }
        let run = try await f.run(script) { $0.rounds = 10; $0.patience = 2; $0.candidatesPerRound = 1 }
        let (r, store) = (run.result, run.store)
        #expect(r.stopReason == "patience: no dev gain in 2 rounds")
        #expect(TuneFixture.events(store).filter { $0["type"] == "candidate_scored" }.count == 2)
    }

    /// Both ways: the hub's ledger (through the server) and the scripted budget stop alike.
    @Test(arguments: TuneFixture.Wire.allCases)
    func budgetStopsCleanlyWithEverythingWritten(over wire: TuneFixture.Wire) async throws {
        let f = try TuneFixture()
        let good = f.good
        let script: TuneFixture.Script = { _, step in step == 0 ? [TuneFixture.submit(good)] : [TuneFixture.submit(good + " Again.")] }
        let run = try await f.run(script, over: wire) { $0.budget = Budget(maxTokens: 300_000) }
        let (r, store) = (run.result, run.store)
        #expect(r.stopReason.hasPrefix("budget: the token budget (300000) is spent"))
        #expect(r.final == nil)
        let events = TuneFixture.events(store)
        #expect(events.first?["type"] == "run_started")
        #expect(events.last?["type"] == "stopped")
        #expect(store.read("best_prompt.json") != nil && store.read("config.json") != nil)
        #expect((store.read("events.jsonl") ?? "").hasSuffix("\n"))
    }

    @Test func guardrailRejectsPastedGoldAnswers() async throws {
        let f = try TuneFixture()
        let ex = f.data[.test][0]
        let leak = "Example: \(ex.fields["text"]!.string!) -> {\"intent\": \"\(ex.fields["label"]!.string!)\"}"
        let script: TuneFixture.Script = { round, step in
            switch step {
            case 0: return [TuneFixture.submit(leak)]
            case 1: return [TuneFixture.submit("Reply in prose.", section: "format")]
            default: return [TuneFixture.stop()]
            }
        }
        let run = try await f.run(script)
        let (r, store) = (run.result, run.store)
        #expect(r.best.instruction == f.initial)
        let rejected = TuneFixture.events(store).filter { $0["type"] == "candidate_rejected" }
        try #require(rejected.count == 2)
        #expect(rejected[0]["reason"]?.string?.contains("pastes") == true)
        #expect(rejected[1]["reason"]?.string?.hasPrefix("the text of section 'format-notes' is too short") == true)
        let replies = run.toolResults.last ?? []
        #expect(replies.first?.hasPrefix("Rejected: it pastes") == true)
    }

    @Test func aResubmittedRejectedEditIsAnsweredAsSuchAndDoesNotUseUpTheRound() async throws {
        let f = try TuneFixture()
        let good = f.good
        let frozen = TuneFixture.submit("Reply in prose.", section: "format")
        let script: TuneFixture.Script = { round, step in
            switch (round, step) {
            case (1, 0), (1, 1), (1, 2): return [frozen]
            case (1, 3): return [TuneFixture.submit(good)]
            default: return [TuneFixture.stop()]
            }
        }
        let run = try await f.run(script) { $0.toolCallsPerRound = 2; $0.candidatesPerRound = 1 }
        let (r, store) = (run.result, run.store)
        #expect(r.best.section("guidance")?.text == good)
        let round = TuneFixture.events(store).first { $0["type"] == "optimizer_round" }
        #expect(round?["duplicates"] == .int(2) && round?["rejected"] == .int(1) && round?["candidates"] == .int(1))
        let results = (try JSON.decode(store.read("rounds/01/optimizer.json") ?? "")).array?
            .filter { $0["role"] == "tool" }.compactMap { $0["content"]?.string } ?? []
        #expect(results.count == 4)
        #expect(results[0].hasPrefix("Section 'format' is frozen, so your text was taken as a new section 'format-notes'."))
        #expect(results[1].hasPrefix("You submitted this exact edit before and it was rejected: the text of section 'format-notes' is too short"))
    }

    @Test func anOptimizerThatRepeatsItselfEndsTheRoundAfterThreeRepeats() async throws {
        let f = try TuneFixture()
        let same = f.same
        let script: TuneFixture.Script = { round, _ in round == 1 ? [TuneFixture.submit(same)] : [TuneFixture.stop()] }
        let run = try await f.run(script) { $0.toolCallsPerRound = 12; $0.candidatesPerRound = 2 }
        let store = run.store
        let round = TuneFixture.events(store).first { $0["type"] == "optimizer_round" }
        #expect(round?["model_calls"] == .int(4) && round?["duplicates"] == .int(3) && round?["candidates"] == .int(1))
        // Each repeat is asked with more randomness.
        let temperatures = Array(run.temperatures.prefix(4))
        #expect(temperatures.count == 4 && temperatures[3] > temperatures[0])
    }

    @Test func leakDetectionUsesEightWordOverlap() throws {
        let g = Guardrails(contract: ["JSON"], texts: ["the quick brown fox jumps over the lazy dog near the river"],
                           inputs: ["short one", "please block my card right now"],
                           initial: PromptProgram(system: "", instruction: "Reply in JSON."), optimizerInstructions: "")
        #expect(g.rejection(PromptProgram(system: "", instruction: "Reply in JSON. Watch for: quick brown fox jumps over the lazy dog near.")) != nil)
        #expect(g.rejection(PromptProgram(system: "", instruction: "Reply in JSON. e.g. Please block my card, right now!")) != nil)
        #expect(g.rejection(PromptProgram(system: "", instruction: "Reply in JSON. The quick brown fox is fine.")) == nil)
        #expect(g.rejection(PromptProgram(system: "", instruction: "Reply plainly.")) != nil)
        #expect(g.rejection(PromptProgram(system: "", instruction: "Reply in JSON and call submit_candidate.")) != nil)
    }

    @Test func bootstrapIsSeededAndPaired() {
        let diffs = (0..<200).map { $0 % 4 == 0 ? 1.0 : 0.0 }
        let a = Selection.bootstrap(diffs, seed: 5), b = Selection.bootstrap(diffs, seed: 5)
        #expect(a == b)
        #expect(abs(a.mean - 0.25) < 1e-12 && a.lower > 0.17 && a.upper < 0.33)
        #expect(Selection.isRealGain(diffs, level: 0.95, seed: 1).0)
        #expect(!Selection.isRealGain((0..<200).map { $0 % 2 == 0 ? 1.0 : -1.0 }, level: 0.95, seed: 1).0)
    }

    /// Each evaluate_edit call of a round has its own progress line: two calls under one label
    /// summed their counts ("21/5 examples" in a real run).
    @Test func eachEditTestHasItsOwnProgress() async throws {
        let f = try TuneFixture()
        let good = f.good
        let world = ScriptedModels(labels: f.labels) { round, step in
            switch (round, step) {
            case (1, 0), (1, 1): return [TuneFixture.call("evaluate_edit", ["section": "guidance", "text": .string(good), "sample_size": 5])]
            default: return [TuneFixture.stop()]
            }
        }
        let s = f.settings { $0.rounds = 1 }
        let store = try RunStore(folder: Scratch.url("progress"))
        try store.write("config.json", json: s.json)
        let tuner = Tuner(settings: s, store: store, models: world.models(), runtime: f.runtime, data: f.data)
        let seen = Mutex<[String: (done: Int, total: Int)]>([:])
        tuner.onResult = { step, _, total in seen.withLock { $0[step, default: (0, total)].done += 1 } }
        _ = try await tuner.run()
        let steps = seen.withLock { $0 }
        #expect(steps["round 1: edit test 1 on the optimization sample"].map { $0.done == 5 && $0.total == 5 } == true, "\(steps)")
        #expect(steps["round 1: edit test 2 on the optimization sample"].map { $0.done == 5 && $0.total == 5 } == true, "\(steps)")
        #expect(steps.values.allSatisfy { $0.done <= $0.total }, "\(steps)")
    }
}
