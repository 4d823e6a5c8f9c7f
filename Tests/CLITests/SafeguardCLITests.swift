import Foundation
import Testing
import LuaHost
import MockModels
import TestSupport

/// Issue 17 from the command line: regression cases for CI, a prompt on several models, and the
/// transfer gain of a tuning run, against the scripted target on a loopback mock server.
@Suite struct SafeguardCLITests {
    static let env = ["OPENAI_API_KEY": "k"]

    func server() throws -> MockServer {
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels()) { _, _ in [("stop", ["reason": "done"])] }
        return try MockServer { world.reply($0) }
    }

    @Test func evalRegressionExitsOneNamingEachBrokenCaseAndZeroWhenAllPass() async throws {
        let (pack, cases) = try GuardedPack.make()
        let server = try server()
        defer { server.stop() }
        let args = ["eval", pack.path, "--regression", "--target", "openai:t", "--base-url", server.baseURL]
        let pass = try await CLI.run(args + ["--out", Scratch.path("reg-pass")], environment: Self.env)
        #expect(pass.status == 0, "\(pass.err)")
        #expect(pass.out.contains("rpt eval banking77 · regression · 3 examples"))
        #expect(pass.err.contains("regression: 3 of 3 cases pass"))
        let risky = Scratch.path("risky.txt")
        try ("Pick the intent of the message. " + ScriptedWorld.risky + " Reply with JSON: intent, confidence.").write(toFile: risky, atomically: true, encoding: .utf8)
        let broken = try await CLI.run(args + ["--prompt", risky, "--out", Scratch.path("reg-fail")], environment: Self.env)
        #expect(broken.status == 1)
        for id in cases { #expect(broken.err.contains("regression case \(id) failed: wrong_intent")) }
        #expect(broken.err.contains("regression: 0 of 3 cases pass"))
        // A pack without regression cases says how to add them.
        let none = try await CLI.run(["eval", "tasks/banking77", "--regression", "--target", "openai:t", "--base-url", server.baseURL],
                                     environment: Self.env)
        #expect(none.status != 0 && none.err.contains("names no regression cases: add regression = \"data/regression.jsonl\""))
    }

    @Test func checkValidatesTheRegressionFileAndTheProtectedModes() async throws {
        let (pack, _) = try GuardedPack.make()
        let ok = try await CLI.run("check", pack.path)
        #expect(ok.status == 0, "\(ok.out)")
        #expect(ok.out.contains("regression 3 (data/regression.jsonl); ids unique"))
        let file = pack.appendingPathComponent("data/regression.jsonl")
        let rows = try String(contentsOf: file, encoding: .utf8)
        try (rows + rows.split(separator: "\n")[0] + "\n").write(to: file, atomically: true, encoding: .utf8)
        let repeated = try await CLI.run("check", pack.path)
        #expect(repeated.status == 1)
        #expect(repeated.out.contains("data/regression.jsonl:4: regression case id 'must-1' is used again (first at data/regression.jsonl:1)"))

        let (typo, _) = try GuardedPack.make(protect: ["formatt"])
        let bad = try await CLI.run("check", typo.path)
        #expect(bad.status == 1)
        #expect(bad.out.contains("'protect' names 'formatt', which is not a failure mode of this pack (did you mean 'format'?)"))
    }

    @Test func onePromptOnTwoModelsGivesATableWithAFolderEach() async throws {
        let server = try server()
        defer { server.stop() }
        let out = Scratch.path("transfer")
        let r = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:t", "--target", "openai:t-weak", "--base-url", server.baseURL,
                                   "--limit", "100", "--out", out], environment: Self.env)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("rpt eval banking77 · dev · 100 examples · 2 models\n"))
        let rows = r.out.split(separator: "\n").filter { $0.hasPrefix("  openai:") }
        try #require(rows.count == 2)
        #expect(rows[0].hasPrefix("  openai:t       0.") && rows[1].hasPrefix("  openai:t-weak  0."))
        #expect(r.out.contains("wrong_intent"))
        // Both models saw the same 100 examples, each model's results in its own subfolder.
        let summary = try JSON.decode(try String(contentsOfFile: out + "/summary.json", encoding: .utf8))
        let models = try #require(summary["models"]?.array)
        #expect(models.map { $0["model"] } == ["openai:t", "openai:t-weak"])
        #expect(models.allSatisfy { $0["examples"] == .int(100) && $0["score_ci95"]?.array?.count == 2 })
        #expect((models[0]["score"]?.number ?? 0) > (models[1]["score"]?.number ?? 1))
        for sub in ["openai_t", "openai_t-weak"] {
            let ids = try String(contentsOfFile: "\(out)/\(sub)/results.jsonl", encoding: .utf8).split(separator: "\n")
                .compactMap { try? JSON.decode(String($0))["id"]?.string }
            #expect(ids.count == 100)
        }
    }

    @Test func tuneReportsTheTransferGainOnAnotherModel() async throws {
        let good = ScriptedWorld.magic
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels()) { round, step in
            round == 1 && step == 0 ? [("edit_section", ["section": "guidance", "text": .string(good), "modes": ["wrong_intent"]])]
                                    : [("stop", ["reason": "done"])]
        }
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let folder = Scratch.path("also")
        let r = try await CLI.run(["tune", "tasks/banking77", "--target", "openai:t", "--optimizer", "openai:o", "--also-target", "openai:t-weak",
                                   "--base-url", server.baseURL, "--train-sample", "30", "--dev-limit", "120", "--test-limit", "120",
                                   "--rounds", "2", "--candidates", "1", "--run", folder], environment: Self.env)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("  test on openai:t-weak\n"))
        let final = try JSON.decode(try String(contentsOfFile: folder + "/final.json", encoding: .utf8))
        let t = try #require(final["transfer"]?.array?.first)
        #expect(t["model"] == "openai:t-weak" && t["paired_examples"] == .int(120))
        #expect((t["gain_ci95"]?.array?.first?.number ?? 0) > 0)
        #expect((t["initial_score"]?.number ?? 1) < (final["initial_score"]?.number ?? 0))
        let config = try JSON.decode(try String(contentsOfFile: folder + "/config.json", encoding: .utf8))
        #expect(config["also_targets"] == ["openai:t-weak"])
        // The run's report shows the transfer beside the target's gain.
        let report = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(report.contains("Transfer to other models (test)") && report.contains("<td>openai:t-weak</td>"))
    }
}
