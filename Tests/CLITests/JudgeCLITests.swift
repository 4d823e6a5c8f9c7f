import Foundation
import Testing
import LuaHost
import MockModels

/// Packs with a judge, as a user runs them against a scripted judge on a loopback mock server:
/// verdicts reach score, reruns come from the cache, the judge's tokens and failures are its own.
/// Serialized: a dozen rpt processes at once starve the timing-bound tests on a 2-core machine.
@Suite(.serialized) struct JudgeCLITests {
    static let pack = "Tests/Fixtures/judge-pack"

    func temp(_ name: String) -> String { EvalCLITests().temp(name) }

    /// A user config folder whose rpt.toml has the provider `mock` at `server` (and `extra` lines).
    func userConfig(_ server: MockServer, _ extra: String = "") throws -> String {
        try EvalPackCLITests().userConfig("[providers.mock]\nbase_url = \"\(server.baseURL)\"\n" + extra)
    }

    func rows(_ folder: String) throws -> [LuaValue] {
        try String(contentsOfFile: folder + "/results.jsonl", encoding: .utf8).split(separator: "\n").map { try JSON.decode(String($0)) }
    }

    @Test func evalScoresByTheJudgesVerdictsAndARerunComesFromTheCache() async throws {
        let world = JudgeWorld()
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let env = ["OPENAI_API_KEY": "k", "RPT_CACHE_DIR": temp("cache")]
        let args = ["eval", Self.pack, "--target", "openai:t", "--judge", "openai:j", "--base-url", server.baseURL]
        let out = temp("judged")
        let r = try await CLI.detached(args + ["--out", out], environment: env)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("rpt eval judged · dev · 8 examples · openai:t · judge openai:j\n"))
        // Four replies the judge gives 5 (normalized 1), four it gives 2 (0.25).
        #expect(r.out.contains("score          0.625  (8 of 8 scored;"), "\(r.out)")
        #expect(r.out.contains("API errors     0.0%  (0, counted apart and not scored; 0 of them the judge's)"))
        #expect(r.out.contains("tokens         judge openai:j: live 8 calls, in 4000 · out 320 · cached 0 replies"))
        #expect(r.out.contains("tokens         target openai:t: live 8 calls, in 800 · out 80 · cached 0 replies"))
        let weak = try rows(out).filter { $0["failure"] == "weak" }
        #expect(weak.count == 4)
        #expect(weak.allSatisfy { $0["verdict"]?["reason"]?.string == JudgeWorld.weakReason && $0["detail"] == "judged 2" })
        // The judge saw the rubric, the input, the reference and the reply, under its own model name.
        let judged = server.requests.filter(JudgeWorld.isJudge)
        #expect(judged.count == 8)
        let first = judged.first?.json?["messages"]?.array?.last?["content"]?.string ?? ""
        #expect(first.contains("## Rubric\n5: the reply answers") && first.contains("## The input the reply answers"))
        #expect(first.contains("Please use the app for this") && first.contains("## The reply to grade"))
        #expect(judged.allSatisfy { $0.json?["model"] == "j" && $0.json?["temperature"]?.number == 0 })

        // Again: every reply and every verdict from the cache, the same score, no request.
        let before = server.requestCount
        let again = try await CLI.detached(args + ["--out", temp("judged2"), "--json"], environment: env)
        #expect(again.status == 0, "\(again.err)")
        let summary = try JSON.decode(again.out)
        #expect(summary["score"]?.number == 0.625 && summary["cached"] == .int(8) && summary["judge"] == "openai:j")
        let judge = summary["tokens"]?.array?.first { $0["role"] == "judge" }
        #expect(judge?["cached"]?["calls"] == .int(8) && judge?["live"]?["calls"] == .int(0))
        #expect(server.requestCount == before)
    }

    @Test func aJudgeWithoutToolsIsReadFromItsText() async throws {
        let world = JudgeWorld(style: .json)
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let xdg = try userConfig(server, "tools = false\n")
        let r = try await CLI.detached(["eval", Self.pack, "--target", "mock:t", "--judge", "mock:j", "--no-cache", "--json", "--out", temp("json")],
                            environment: ["XDG_CONFIG_HOME": xdg])
        #expect(r.status == 0, "\(r.err)")
        #expect(try JSON.decode(r.out)["score"]?.number == 0.625)
        let judged = server.requests.filter(JudgeWorld.isJudge)
        #expect(judged.count == 8 && judged.allSatisfy { $0.json?["tools"] == nil })      // the JSON tool protocol
    }

    static let unusable: [(LuaValue, String)] = [
        (["score": 9, "reason": "fine"], "the score 9 is outside the scale 1 to 5"),
        (["score": "NaN", "reason": "fine"], "the score \"NaN\" is not a number"),
        (["score": 3], "the verdict gives no reason"),
        (["score": 3, "reason": .string(String(repeating: "very ", count: 1000))], "reason: 5000 characters, more than 2000"),
    ]

    @Test(arguments: unusable)
    func anUnusableVerdictIsAJudgeErrorCountedApartAndNeverCached(_ verdict: LuaValue, _ why: String) async throws {
        let world = JudgeWorld(style: .garbage(verdict))
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let env = ["OPENAI_API_KEY": "k", "RPT_CACHE_DIR": temp("cache")]
        let args = ["eval", Self.pack, "--target", "openai:t", "--judge", "openai:j", "--base-url", server.baseURL, "--limit", "2"]
        let out = temp("garbage")
        let r = try await CLI.detached(args + ["--out", out], environment: env)
        #expect(r.status == 1)
        #expect(r.out.contains("API errors     100.0%  (2, counted apart and not scored; 2 of them the judge's)"), "\(r.out)")
        #expect(r.out.contains("first: judge openai:j: unreadable response: the judge's verdict cannot be used: \(why)"), "\(r.out)")
        #expect(r.err.contains("no example was scored"))
        #expect(try rows(out).allSatisfy { $0["judge_error"] == true && $0["score"] == nil && $0["reply"] != nil })
        // Each verdict was asked for twice; the tokens of both count, as the judge's.
        #expect(server.requests.filter(JudgeWorld.isJudge).count == 4)
        #expect(r.out.contains("tokens         judge openai:j: live 4 calls, in 2000 · out 160"))
        // Nothing unusable was cached: a rerun asks the judge again (the targets' replies come from the cache).
        let before = server.requestCount
        _ = try await CLI.detached(args + ["--out", temp("garbage2")], environment: env)
        #expect(server.requests.dropFirst(before).filter(JudgeWorld.isJudge).count == 4)
        #expect(server.requestCount - before == 4)
    }

    @Test func aJudgingPackRefusesToRunWithoutAJudgeAndTheUsersConfigCanNameOne() async throws {
        let world = JudgeWorld()
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let none = try EvalPackCLITests().userConfig("[providers.mock]\nbase_url = \"\(server.baseURL)\"\n")
        let commands = [["eval", Self.pack, "--target", "mock:t", "--out", temp("x")],
                        ["tune", Self.pack, "--target", "mock:t", "--run", temp("x")],
                        ["try", Self.pack, "--reply", "A good reply."]]
        for args in commands {
            let r = try await CLI.detached(args, environment: ["XDG_CONFIG_HOME": none])
            #expect(r.status == 1, "\(args)")
            #expect(r.err.contains("\(Self.pack) grades its replies with a judge model, and none was given: add --judge MODEL"), "\(r.err)")
            #expect(r.err.contains("or set judge_model = \"provider:model\" in your rpt.toml"))
        }
        #expect(server.requestCount == 0)

        let xdg = try userConfig(server, "")
        let named = xdg + "/rpt/rpt.toml"
        try ("judge_model = \"mock:j\"\n" + String(contentsOfFile: named, encoding: .utf8)).write(toFile: named, atomically: true, encoding: .utf8)
        let r = try await CLI.detached(["eval", Self.pack, "--target", "mock:t", "--no-cache", "--out", temp("x")], environment: ["XDG_CONFIG_HOME": xdg])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("· judge mock:j"))
        #expect(server.requests.filter(JudgeWorld.isJudge).allSatisfy { $0.json?["model"] == "j" })

        // rpt try shows the verdict between extract and score.
        let t = try await CLI.detached(["try", Self.pack, "--reply", "A good reply.", "--no-cache"], environment: ["XDG_CONFIG_HOME": xdg])
        #expect(t.status == 0, "\(t.err)")
        #expect(t.out.contains("--- judge ---\nreference   Thanks for asking."))
        #expect(t.out.contains("score       5 (normalized 1)\nreason      \(JudgeWorld.goodReason)"))
        #expect(t.out.contains("--- result ---\nscore 1"))
    }

    @Test func aPackCannotChooseItsJudge() async throws {
        let server = try MockServer { _ in .chat("A good reply.") }
        defer { server.stop() }
        let dir = URL(fileURLWithPath: temp("hostile-judge"))
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent(Self.pack), to: dir)
        let task = dir.appendingPathComponent("task.lua")
        let text = try String(contentsOf: task, encoding: .utf8).replacingOccurrences(
            of: "    scale = { 1, 5 },", with: "    scale = { 1, 5 },\n    model = \"openai:gpt-4.1\",\n    base_url = \"\(server.baseURL)\",")
        try text.write(to: task, atomically: true, encoding: .utf8)
        let c = try await CLI.detached(["check", dir.path], environment: [:])
        #expect(c.status == 1)
        #expect(c.out.contains("task.lua: 'judge.base_url', 'judge.model': a pack may not choose the judge model or its server"), "\(c.out)")
        let e = try await CLI.detached(["eval", dir.path, "--target", "openai:t", "--judge", "openai:j", "--base-url", server.baseURL, "--out", temp("x")],
                            environment: ["OPENAI_API_KEY": "k"])
        #expect(e.status != 0 && e.err.contains("a pack may not choose the judge model"), "\(e.err)")

        // Nor through an rpt.toml of its own.
        try FileManager.default.removeItem(at: task)
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent(Self.pack + "/task.lua"), to: task)
        try "judge_model = \"openai:gpt-4.1\"\n".write(to: dir.appendingPathComponent("rpt.toml"), atomically: true, encoding: .utf8)
        let t = try await CLI.detached(["eval", dir.path, "--target", "openai:t", "--base-url", server.baseURL, "--out", temp("x")],
                            environment: ["OPENAI_API_KEY": "k", "XDG_CONFIG_HOME": temp("none")])
        #expect(t.status != 0 && t.err.contains("judge_model: a task pack may not set"), "\(t.err)")
        #expect(server.requestCount == 0)
    }

    @Test func checkWithAJudgeReportsAgreementAndEachDisagreement() async throws {
        let world = JudgeWorld()
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let env = ["XDG_CONFIG_HOME": try userConfig(server), "RPT_CACHE_DIR": temp("cache")]
        let r = try await CLI.detached(["check", Self.pack, "--judge", "mock:j"], environment: env)
        #expect(r.status == 1)
        #expect(r.out.contains("FAIL  agree    2 of 3 judged cases within their range (judge mock:j: live 3, cached 0)"), "\(r.out)")
        #expect(r.out.contains("tests/judge.lua: 'a weak reply the authors call good': the judge gave 2, the case expects 5: \(JudgeWorld.weakReason)"))
        let again = try await CLI.detached(["check", Self.pack, "--judge", "mock:j"], environment: env)
        #expect(again.out.contains("2 of 3 judged cases within their range (judge mock:j: live 0, cached 3)"), "\(again.out)")
        #expect(server.requestCount == 3)

        // The shipped pack's cases: criteria verdicts, one case the scripted judge gets wrong.
        let s = try await CLI.detached(["check", "tasks/support-reply", "--judge", "mock:j", "--no-cache"], environment: env)
        #expect(s.out.contains("agree    7 of 8 judged cases within their range"), "\(s.out)")
        #expect(s.out.contains("'answers a different question': the judge gave 5, the case expects 0 to 3: yes"))
        // Without --judge, check calls no model and says how to run them.
        let plain = try await CLI.detached(["check", Self.pack], environment: env)
        #expect(plain.status == 0 && plain.out.contains("3 judged cases in tests/judge.lua (rpt check --judge MODEL puts them to a judge)"))
        #expect(server.requestCount == 11)
    }

    @Test func bothSupportPacksPassCheck() async throws {
        for pack in ["tasks/support-reply", "tasks/support-triage"] {
            let r = try await CLI.detached(["check", pack], environment: [:])
            #expect(r.status == 0 && r.out.hasSuffix("passed\n"), "\(pack):\n\(r.out)")
        }
    }

    @Test func dryRunCountsTheJudge() async throws {
        let r = try await CLI.detached(["tune", Self.pack, "--target", "openai:gpt-4.1-mini", "--judge", "openai:gpt-4.1-nano", "--dry-run", "--rounds", "2"],
                            environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        // 8 + 8 + 2 x (12 x 8 + 2 x 16) + 2 x 8 + 7 x 8 (the ablation: 7 dev runs at most) = 344 target calls;
        // each verdict may be asked for twice.
        #expect(r.out.contains("target     openai:gpt-4.1-mini: 344 calls"), "\(r.out)")
        #expect(r.out.contains("judge      openai:gpt-4.1-nano: 688 calls"))
        #expect(r.out.contains("and 275200 out: $"))               // 688 x 400 tokens, priced
    }
}

extension CLI {
    /// The judge tests' name for `run`, which already waits off the concurrency pool (TestSupport's Child).
    static func detached(_ args: [String], environment: [String: String]) async throws -> (status: Int32, out: String, err: String) {
        try await CLI.run(args, environment: environment)
    }
}
