import Foundation
import Testing
import LuaHost
import MockModels
import TestSupport

@Suite struct EvalCLITests {
    static let secret = "sk-secret-123-do-not-print"

    func temp(_ name: String) -> String { Scratch.path(name) }

    /// Answers every banking77 message with card_arrival.
    func server() throws -> MockServer {
        try MockServer { _ in .chat(#"{"intent": "card_arrival", "confidence": 0.8}"#, promptTokens: 800, completionTokens: 10) }
    }

    @Test func evalPrintsASummaryAndWritesResults() async throws {
        let server = try server()
        defer { server.stop() }
        let out = temp("eval")
        let env = ["OPENAI_API_KEY": Self.secret, "RPT_CACHE_DIR": temp("cache")]
        let r = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "20", "--out", out],
                                  environment: env)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("rpt eval banking77 · dev · 20 examples · openai:m\n"))
        #expect(r.out.contains("API errors     0.0%"))
        #expect(r.out.contains("calibration    Brier"))
        #expect(r.out.contains("tokens         target openai:m: live 20 calls, in 16000 · out 200 · cached 0 replies, in 0 · out 0"))
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 20)
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(Self.secret)" })

        // Again with --json: every reply from the cache, no new request.
        let before = server.requestCount
        let j = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "20",
                                   "--out", temp("eval2"), "--json"], environment: env)
        #expect(j.status == 0, "\(j.err)")
        let summary = try JSON.decode(j.out.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(summary["cached"] == .int(20))
        #expect(summary["examples"] == .int(20))
        #expect(server.requestCount == before)

        // The key is nowhere in what rpt printed or wrote.
        let written = try FileManager.default.contentsOfDirectory(atPath: out).map { try String(contentsOfFile: out + "/" + $0, encoding: .utf8) }
        for text in [r.out, r.err, j.out, j.err] + written { #expect(!text.contains(Self.secret)) }
    }

    @Test func minScoreFailsTheJob() async throws {
        let server = try server()
        defer { server.stop() }
        let r = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "5",
                                   "--out", temp("min"), "--min-score", "0.9", "--no-cache"], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 1)
        #expect(r.err.contains("is below --min-score 0.900"))
    }

    @Test func missingKeyAndBadKeyAreExplained() async throws {
        let missing = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:gpt-4.1-mini", "--limit", "1"], environment: [:])
        #expect(missing.status != 0)
        #expect(missing.err.contains("set OPENAI_API_KEY in the environment"))

        let server = try MockServer { _ in .error(401, "Incorrect API key provided") }
        defer { server.stop() }
        let bad = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "2",
                                     "--out", temp("bad"), "--no-cache"], environment: ["OPENAI_API_KEY": Self.secret])
        #expect(bad.status == 1)
        #expect(bad.out.contains("API errors     100.0%  (2, counted apart and not scored)"))
        #expect(bad.out.contains("first: HTTP 401 authentication: check the API key in $OPENAI_API_KEY"))
        #expect(bad.err.contains("no example was scored"))
        #expect(server.requestCount == 2)                   // a 401 is not retried
        #expect(!bad.out.contains(Self.secret) && !bad.err.contains(Self.secret))
    }

    @Test func aSplitIsOneOfThreeAndHelpListsThem() async throws {
        let r = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:t", "--split", "devv"], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status != 0 && r.err.contains("Please provide one of 'train', 'dev' or 'test'"), "\(r.err)")
        let help = try await CLI.run(["eval", "--help"], environment: [:])
        #expect(help.out.contains("(values: train, dev, test; default: dev)"), "\(help.out)")
    }

    @Test func unknownProviderSuggestsOne() async throws {
        let r = try await CLI.run("eval", "tasks/banking77", "--target", "opneai:gpt-4.1")
        #expect(r.status != 0)
        #expect(r.err.contains("unknown provider 'opneai' (did you mean 'openai'?)"))
    }
}

/// What a hostile or broken pack can do to a run: nothing to the user's keys or money, and
/// nothing to the score but lower it.
@Suite struct EvalPackCLITests {
    static let secret = EvalCLITests.secret

    func temp(_ name: String) -> String { EvalCLITests().temp(name) }

    /// A user config folder (XDG_CONFIG_HOME) holding this rpt.toml.
    func userConfig(_ toml: String) throws -> String {
        let dir = temp("xdg")
        try FileManager.default.createDirectory(atPath: dir + "/rpt", withIntermediateDirectories: true)
        try toml.write(toFile: dir + "/rpt/rpt.toml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func aPacksConfigNeverGetsTheKeyOrThePrices() async throws {
        let server = try MockServer(handler: HostilePack.echo)
        defer { server.stop() }
        let hostile = """
            [providers.openai]
            base_url = "\(server.baseURL)"
            api_key_env = "OPENAI_API_KEY"
            [prices."openai:gpt-4.1-mini"]
            input = 0
            output = 0
            """
        let pack = try HostilePack.make(dev: [HostilePack.row("d1", "a")], files: ["rpt.toml": hostile])
        let env = ["OPENAI_API_KEY": Self.secret, "RPT_CACHE_DIR": temp("cache"), "XDG_CONFIG_HOME": temp("none")]
        let r = try await CLI.run(["eval", pack.path, "--target", "openai:gpt-4.1-mini", "--budget-cost", "0.01", "--out", temp("o")], environment: env)
        #expect(r.status != 0)
        #expect(r.err.contains(pack.appendingPathComponent("rpt.toml").path + ": prices.\"openai:gpt-4.1-mini\".input"), "\(r.err)")
        #expect(r.err.contains("providers.openai.base_url: a task pack may not set providers"))
        #expect(server.requestCount == 0)
        #expect(!r.out.contains(Self.secret) && !r.err.contains(Self.secret))

        // The same server in the user's own rpt.toml is the user's choice: it gets the key, and the price stays.
        try FileManager.default.removeItem(at: pack.appendingPathComponent("rpt.toml"))
        let user = try userConfig("[providers.openai]\nbase_url = \"\(server.baseURL)\"\n")
        let ok = try await CLI.run(["eval", pack.path, "--target", "openai:gpt-4.1-mini", "--json", "--out", temp("o")],
                                   environment: env.merging(["XDG_CONFIG_HOME": user]) { $1 })
        #expect(ok.status == 0, "\(ok.err)")
        #expect(server.requests.map { $0.headers["authorization"] } == ["Bearer \(Self.secret)"])
        #expect(try JSON.decode(ok.out)["cost"]?.number.map { $0 > 0 } == true)      // 30 in, 2 out at the built-in price
    }

    @Test func packErrorsCountAsZeroAndMinScoreSeesThem() async throws {
        let server = try MockServer(handler: HostilePack.echo)
        defer { server.stop() }
        let pack = try HostilePack.make(dev: [HostilePack.row("d1", "a")] + (2...5).map { HostilePack.row("d\($0)", nil) })
        let args = ["eval", pack.path, "--target", "openai:m", "--base-url", server.baseURL, "--no-cache"]
        let r = try await CLI.run(args + ["--min-score", "0.5", "--out", temp("o")], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 1)
        #expect(r.out.contains("score          0.200  (5 of 5 scored; 4 pack errors counted as 0)"), "\(r.out)")
        #expect(r.out.contains("pack errors    80.0%  (4, a hook of the pack failed: scored 0 as pack_error)"))
        #expect(r.out.contains("first: render failed on example d2 ("))
        #expect(r.out.contains("failures       pack_error 4"))
        #expect(r.err.contains("score 0.200 is below --min-score 0.500"))

        let j = try await CLI.run(args + ["--json", "--out", temp("o")], environment: ["OPENAI_API_KEY": "k"])
        let v = try JSON.decode(j.out)
        #expect(v["score"]?.number == 0.2 && v["scored"] == .int(5) && v["pack_errors"] == .int(4))
        #expect(v["failures"]?["pack_error"] == .int(4))
        #expect(v["first_pack_error"]?.string?.contains("render failed") == true)
    }

    @Test func aPackThatFailsOnEveryExampleStopsEarly() async throws {
        let server = try MockServer(handler: HostilePack.echo)
        defer { server.stop() }
        let xdg = try userConfig("[providers.mock]\nbase_url = \"\(server.baseURL)\"\nconcurrency = 2\n")
        let env = ["XDG_CONFIG_HOME": xdg]
        let spinning = try HostilePack.make(dev: (1...60).map { HostilePack.row("d\($0)", "SPIN \($0)") })
        let r = try await CLI.run(["eval", spinning.path, "--target", "mock:m", "--no-cache", "--out", temp("o")], environment: env)
        #expect(r.status == 1)
        #expect(r.err.contains("stopped: the pack failed on the first 5 replies with the same error, so the other requests were cancelled: extract failed on example"), "\(r.err)")
        #expect(r.err.contains("fix the pack (rpt check"))
        #expect(server.requestCount == 5, "\(server.requestCount) calls")

        let before = server.requestCount
        let unrenderable = try HostilePack.make(dev: (1...30).map { HostilePack.row("d\($0)", nil) })
        let u = try await CLI.run(["eval", unrenderable.path, "--target", "mock:m", "--no-cache", "--out", temp("o")], environment: env)
        #expect(u.status == 1)
        #expect(u.err.contains("render failed on the first 5 examples with the same error, so no model call was made"), "\(u.err)")
        #expect(server.requestCount == before)
    }

    @Test func limitIsASeededSampleAcrossTheSplit() async throws {
        let server = try MockServer { _ in .chat(#"{"intent": "card_arrival", "confidence": 0.8}"#) }
        defer { server.stop() }
        func ids(_ seed: String) async throws -> [String] {
            let out = temp("s")
            let r = try await CLI.run(["eval", "tasks/banking77", "--split", "test", "--target", "openai:m", "--base-url", server.baseURL,
                                       "--limit", "12", "--seed", seed, "--out", out, "--no-cache"], environment: ["OPENAI_API_KEY": "k"])
            #expect(r.status == 0, "\(r.err)")
            let rows = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n").map { try JSON.decode(String($0)) }
            return rows.sorted { ($0["index"]?.number ?? 0) < ($1["index"]?.number ?? 0) }.compactMap { $0["id"]?.string }
        }
        let a = try await ids("3"), again = try await ids("3"), other = try await ids("4")
        #expect(a.count == 12 && a == again && a != other)
    }
}

@Suite struct InterruptTests {
    @Test func ctrlCStopsInFlightRequestsAndKeepsResults() async throws {
        let server = try MockServer { req in req.index < 3 ? .chat(#"{"intent": "card_arrival"}"#) : .delayed(300, .chat("late")) }
        defer { server.stop() }
        let out = Scratch.path("int")
        let (p, err) = try CLI.start(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "40",
                                      "--out", out, "--no-cache"], environment: ["OPENAI_API_KEY": "k"])
        defer { if p.isRunning { p.terminate() } }
        func kept() -> Int { (try? String(contentsOfFile: out + "/results.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0 }
        try #require(await eventually(every: 0.05) { kept() >= 3 && server.requestCount >= 10 })
        let sent = ContinuousClock.now
        p.interrupt()
        try await Child.exit(p)
        #expect(ContinuousClock.now - sent < .seconds(120))      // the slow replies would take 300 s
        #expect(p.terminationStatus == 130)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("interrupted: results so far are in"))
        #expect(kept() >= 3)
    }
}
