import Foundation
import Testing
import LuaHost
import MockModels
import ModelClient
import TestSupport

/// `rpt tune` as a user runs it, against the scripted world on a loopback mock server.
@Suite(.serialized) struct TuneCLITests {
    static func edit(_ tool: String, _ text: String) -> ScriptedWorld.Step {
        (tool, ["section": "guidance", "text": .string(text), "modes": ["wrong_intent"]])
    }

    /// The optimizer adds a "guidance" section; `good` is its text that lifts the target.
    static func script(good: String) -> @Sendable (Int, Int) -> [ScriptedWorld.Step] {
        { round, step in
            switch (round, step) {
            case (1, 0): return [edit("evaluate_edit", good)]
            case (1, 1): return [edit("edit_section", good + " Round one.")]
            case (1, 2): return [edit("edit_section", good)]
            case (2, 0): return [edit("edit_section", good + " Round two.")]
            default: return [("stop", ["reason": "done"])]
            }
        }
    }

    func tuneArgs(_ server: MockServer, _ folder: String) -> [String] {
        ["tune", "tasks/banking77", "--target", "openai:t", "--optimizer", "openai:o", "--base-url", server.baseURL,
         "--train-sample", "30", "--dev-limit", "120", "--test-limit", "120", "--rounds", "3", "--run", folder]
    }

    func temp(_ name: String) -> String { Scratch.path(name) }

    @Test func tuneThenEvalReproducesTheBestPrompt() async throws {
        let good = ScriptedWorld.magic
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels(), script: Self.script(good: good))
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let folder = temp("tune")
        let r = try await CLI.run(tuneArgs(server, folder), environment: ["OPENAI_API_KEY": "k", "RPT_PROGRESS_SECONDS": "0"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("rpt tune banking77: stopped by optimizer stopped: done\n"))
        // Without a terminal, each step of the run says how far it is, as plain lines.
        #expect(r.err.contains("initial prompt on dev: 120/120 examples, score "))
        #expect(r.err.contains("round 1: candidate 2 on dev: 120/120 examples"))
        #expect(r.err.contains("final: best prompt on test: 120/120 examples"))
        #expect(r.out.contains("test score"))
        #expect(r.out.contains("run folder: \(folder)"))
        #expect(r.err.contains("round 1: 2 candidates, best dev"))
        // The table's token counts are summary.json's; a finished run leaves no lock behind.
        let printed = SummaryCLITests.printedTokens(r.out)
        #expect(printed.keys.sorted() == ["optimizer", "target"])
        #expect(printed == SummaryCLITests.summaryTokens(try SummaryCLITests.summary(folder)))
        #expect(!FileManager.default.fileExists(atPath: folder + "/lock"))
        let final = try JSON.decode(try String(contentsOfFile: folder + "/final.json", encoding: .utf8))
        let best = try #require(final["best_score"]?.number)

        let e = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:t", "--base-url", server.baseURL, "--split", "test",
                                   "--limit", "120", "--prompt", folder + "/best_prompt.json", "--json", "--out", temp("repro"), "--no-cache"],
                                  environment: ["OPENAI_API_KEY": "k"])
        #expect(e.status == 0, "\(e.err)")
        #expect(try JSON.decode(e.out.trimmingCharacters(in: .whitespacesAndNewlines))["score"]?.number == best)
        let md = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:t", "--base-url", server.baseURL, "--split", "test",
                                    "--limit", "120", "--prompt", folder + "/best_prompt.md", "--json", "--out", temp("repro"), "--no-cache"],
                                   environment: ["OPENAI_API_KEY": "k"])
        #expect(try JSON.decode(md.out.trimmingCharacters(in: .whitespacesAndNewlines))["score"]?.number == best)
    }

    @Test func anEvalOfTheBestPromptFileUsesTheRunsRepliesSoItMatchesExactly() async throws {
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels(), script: Self.script(good: ScriptedWorld.magic))
        let server = try MockServer { world.reply($0) }
        let folder = temp("exact")
        let r = try await CLI.run(tuneArgs(server, folder), environment: ["OPENAI_API_KEY": "k"])
        server.stop()
        #expect(r.status == 0, "\(r.err)")
        let final = try JSON.decode(try String(contentsOfFile: folder + "/final.json", encoding: .utf8))
        let best = try #require(final["best_score"]?.number)
        // The server now answers differently (as a local server's batching may): the run's replies still decide.
        let other = try MockServer { _ in .chat(#"{"intent": "exchange_rate", "confidence": 0.5}"#) }
        defer { other.stop() }
        func eval(_ more: String...) async throws -> (Double?, String) {
            let e = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:t", "--base-url", other.baseURL, "--split", "test",
                                 "--limit", "120", "--prompt", folder + "/best_prompt.md", "--json", "--out", temp("exact-eval")] + more,
                                environment: ["OPENAI_API_KEY": "k"])
            return (try? JSON.decode(e.out.trimmingCharacters(in: .whitespacesAndNewlines))["score"]?.number, e.err)
        }
        let (score, err) = try await eval()
        #expect(score == best)
        #expect(err.contains("reading replies from the tuning run's cache too: \(folder)/cache.sqlite"))
        #expect(other.requestCount == 0)
        let (fresh, _) = try await eval("--no-cache")
        #expect(fresh != best)
        #expect(other.requestCount == 120)
    }

    @Test func tuneReadsTheRepliesEvalAlreadyPaidFor() async throws {
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels()) { _, _ in [("stop", ["reason": "done"])] }
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let cache = temp("shared-cache")
        let env = ["OPENAI_API_KEY": "k", "RPT_CACHE_DIR": cache]
        let e = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:t", "--base-url", server.baseURL, "--split", "dev",
                             "--limit", "120", "--out", temp("paid")], environment: env)
        #expect(e.status == 0, "\(e.err)")
        #expect(server.requestCount == 120)
        let folder = temp("paid-tune")
        let t = try await CLI.run(tuneArgs(server, folder) + ["--rounds", "1"], environment: env)
        #expect(t.status == 0, "\(t.err)")
        // The initial prompt's 120 dev replies came from eval's cache: not one of those requests was sent again.
        func user(_ r: MockRequest) -> String { r.json?["messages"]?.array?.last?["content"]?.string ?? "" }
        let paid = Set(server.requests.prefix(120).map(user))
        #expect(server.requests.dropFirst(120).filter { paid.contains(user($0)) }.isEmpty)
        let sent = server.requestCount
        let again = try await CLI.run(tuneArgs(server, temp("paid-tune2")) + ["--rounds", "1", "--no-shared-cache"], environment: env)
        #expect(again.status == 0, "\(again.err)")
        #expect(server.requests.dropFirst(sent).filter { paid.contains(user($0)) }.count == 120)
    }

    @Test func aKilledRunResumesToTheSameResultWithoutRepeatingCalls() async throws {
        // Killed after half of its calls were answered (the rest hang), then resumed.
        try await killAndResume(script: Self.script(good: ScriptedWorld.magic), args: tuneArgs) { $0.count / 2 }
    }

    /// Runs `script` once whole, for reference, then again killed once `cut(requests of the whole
    /// run)` calls were answered, and resumed: nothing answered before the kill is asked again,
    /// the two runs ask what one run asks, and the resumed run ends with the same files and events.
    /// Returns the resumed run's output and folder.
    @discardableResult
    func killAndResume(script: @escaping @Sendable (Int, Int) -> [ScriptedWorld.Step], args: (MockServer, String) -> [String],
                       cut: ([MockRequest]) -> Int) async throws -> (out: String, folder: String) {
        let labels = try ScriptedWorld.banking77Labels()
        let whole = ScriptedWorld(labels: labels, script: script)
        let s1 = try MockServer { whole.reply($0) }
        let ref = temp("ref")
        let r1 = try await CLI.run(args(s1, ref), environment: ["OPENAI_API_KEY": "k"])
        s1.stop()
        #expect(r1.status == 0, "\(r1.err)")
        let total = s1.requestCount
        let cut = cut(s1.requests)

        let first = ScriptedWorld(labels: labels, answerLimit: cut, script: script)
        let s2 = try MockServer { first.reply($0) }
        let folder = temp("killed")
        let (p, errPipe) = try CLI.start(args(s2, folder), environment: ["OPENAI_API_KEY": "k"])
        _ = await eventually { first.answeredCount >= cut || !p.isRunning }
        #expect(p.isRunning, "\(String(decoding: errPipe.fileHandleForReading.availableData, as: UTF8.self))")
        // Killed once every answered reply is in the run's cache (a reply still on the wire dies with the process).
        let cachePath = folder + "/cache.sqlite"
        #expect(await eventually(every: 0.05) { ((try? ResponseCache(path: cachePath).count) ?? 0) >= cut })
        kill(p.processIdentifier, SIGKILL)
        try await Child.exit(p)
        let answeredBefore = Set(s2.requests.prefix(cut).map { String(decoding: $0.body, as: UTF8.self) })
        s2.stop()

        let second = ScriptedWorld(labels: labels, script: script)
        let s3 = try MockServer { second.reply($0) }
        defer { s3.stop() }
        let r3 = try await CLI.run(["tune", "--resume", folder, "--base-url", s3.baseURL], environment: ["OPENAI_API_KEY": "k"])
        #expect(r3.status == 0, "\(r3.err)")
        #expect(r3.err.contains("resuming \(folder)"))
        // Nothing answered before the kill is asked again; together the two runs asked what one run asks.
        let repeated = s3.requests.filter { answeredBefore.contains(String(decoding: $0.body, as: UTF8.self)) }
        #expect(repeated.count == 0)
        #expect(cut + s3.requestCount == total)
        for file in ["final.json", "best_prompt.json", "best_prompt.md", "final/initial-test.jsonl", "final/best-test.jsonl"] {
            #expect(try String(contentsOfFile: folder + "/" + file, encoding: .utf8) == (try String(contentsOfFile: ref + "/" + file, encoding: .utf8)))
        }
        let events = try String(contentsOfFile: folder + "/events.jsonl", encoding: .utf8).split(separator: "\n").map { try JSON.decode(String($0)) }
        let refEvents = try String(contentsOfFile: ref + "/events.jsonl", encoding: .utf8).split(separator: "\n").map { try JSON.decode(String($0)) }
        #expect(events.map { $0["type"] } == refEvents.map { $0["type"] })
        #expect(events.map { $0["seq"] } == (0..<events.count).map { .int(Int64($0)) })
        return (r3.out, folder)
    }

    @Test func aRunFolderInUseIsRefused() async throws {
        let world = ScriptedWorld(labels: [:], answerLimit: 0) { _, _ in [] }
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let folder = temp("busy")
        let (p, _) = try CLI.start(tuneArgs(server, folder), environment: ["OPENAI_API_KEY": "k"])
        defer { if p.isRunning { p.terminate() }; p.waitUntilExit() }
        try #require(await eventually { server.requestCount > 0 }, "the first run never asked the server")
        let r = try await CLI.run(["tune", "--resume", folder], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status != 0)
        #expect(r.err.contains("is in use by another rpt tune"))
        // Ctrl-C ends the run and lets go of the folder: no lock file is left.
        #expect(FileManager.default.fileExists(atPath: folder + "/lock"))
        p.interrupt()
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        #expect(!FileManager.default.fileExists(atPath: folder + "/lock"))
    }

    @Test func dryRunPrintsTheMostItCanCost() async throws {
        let r = try await CLI.run(["tune", "tasks/banking77", "--target", "openai:gpt-4.1-mini", "--dry-run", "--rounds", "5"],
                                  environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("rpt tune --dry-run: at most, with 5 rounds"))
        // 14600 for the rounds and the test, 9500 for the ablation: 19 dev runs of 500 for at most 5 x 2 edits.
        #expect(r.out.contains("target     openai:gpt-4.1-mini: 24100 calls"))
        #expect(r.out.contains("and 1542400 out"))               // banking77's max_tokens: 24100 x 64
        #expect(r.out.contains("ablation   9500 of the target's calls: up to 19 dev runs for at most 10 edits"))
        #expect(r.out.contains("$"))
        let flag = try await CLI.run(["tune", "tasks/banking77", "--target", "openai:gpt-4.1-mini", "--dry-run", "--rounds", "5", "--max-tokens", "100"],
                                     environment: ["OPENAI_API_KEY": "k"])
        #expect(flag.out.contains("and 2410000 out"))             // the user's --max-tokens wins: 24100 x 100
        let off = try await CLI.run(["tune", "tasks/banking77", "--target", "openai:gpt-4.1-mini", "--dry-run", "--rounds", "5", "--no-ablation"],
                                    environment: ["OPENAI_API_KEY": "k"])
        #expect(off.out.contains("target     openai:gpt-4.1-mini: 14600 calls") && !off.out.contains("ablation"))
        // Each --also-target scores the initial and the best prompt on test: 2 x 1000 calls.
        let also = try await CLI.run(["tune", "tasks/banking77", "--target", "openai:gpt-4.1-mini", "--dry-run", "--rounds", "5",
                                      "--also-target", "openai:gpt-4.1-nano"], environment: ["OPENAI_API_KEY": "k"])
        #expect(also.out.contains("also       openai:gpt-4.1-nano: 2000 calls"), "\(also.out)")
    }
}
