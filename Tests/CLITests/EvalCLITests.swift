import Foundation
import Testing
import LuaHost
import MockServer

@Suite struct EvalCLITests {
    static let secret = "sk-secret-123-do-not-print"

    func temp(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rpt-cli-\(name)-\(UUID().uuidString)").path
    }

    /// Answers every banking77 message with card_arrival.
    func server() throws -> MockServer {
        try MockServer { _ in .chat(#"{"intent": "card_arrival", "confidence": 0.8}"#, promptTokens: 800, completionTokens: 10) }
    }

    @Test func evalPrintsASummaryAndWritesResults() throws {
        let server = try server()
        defer { server.stop() }
        let out = temp("eval")
        let env = ["OPENAI_API_KEY": Self.secret, "RPT_CACHE_DIR": temp("cache")]
        let r = try CLI.run(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "20", "--out", out],
                            environment: env)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("rpt eval banking77 · dev · 20 examples · openai:m\n"))
        #expect(r.out.contains("API errors     0.0%"))
        #expect(r.out.contains("calibration    Brier"))
        #expect(r.out.contains("tokens         target openai:m: in 16000 · out 200 · 20 calls"))
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 20)
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(Self.secret)" })

        // Again with --json: every reply from the cache, no new request.
        let before = server.requestCount
        let j = try CLI.run(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "20",
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

    @Test func minScoreFailsTheJob() throws {
        let server = try server()
        defer { server.stop() }
        let r = try CLI.run(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "5",
                             "--out", temp("min"), "--min-score", "0.9", "--no-cache"], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 1)
        #expect(r.err.contains("is below --min-score 0.900"))
    }

    @Test func missingKeyAndBadKeyAreExplained() throws {
        let missing = try CLI.run(["eval", "tasks/banking77", "--target", "openai:gpt-4.1-mini", "--limit", "1"], environment: [:])
        #expect(missing.status != 0)
        #expect(missing.err.contains("set OPENAI_API_KEY in the environment"))

        let server = try MockServer { _ in .error(401, "Incorrect API key provided") }
        defer { server.stop() }
        let bad = try CLI.run(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "2",
                               "--out", temp("bad"), "--no-cache"], environment: ["OPENAI_API_KEY": Self.secret])
        #expect(bad.status == 1)
        #expect(bad.out.contains("API errors     100.0%  (2, counted apart and not scored)"))
        #expect(bad.out.contains("first: HTTP 401 authentication: check the API key in $OPENAI_API_KEY"))
        #expect(bad.err.contains("no example was scored"))
        #expect(server.requestCount == 2)                   // a 401 is not retried
        #expect(!bad.out.contains(Self.secret) && !bad.err.contains(Self.secret))
    }

    @Test func unknownProviderSuggestsOne() throws {
        let r = try CLI.run("eval", "tasks/banking77", "--target", "opneai:gpt-4.1")
        #expect(r.status != 0)
        #expect(r.err.contains("unknown provider 'opneai' (did you mean 'openai'?)"))
    }
}

@Suite struct InterruptTests {
    @Test func ctrlCStopsInFlightRequestsAndKeepsResults() throws {
        let server = try MockServer { req in req.index < 3 ? .chat(#"{"intent": "card_arrival"}"#) : .delayed(30, .chat("late")) }
        defer { server.stop() }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-int-\(UUID().uuidString)").path
        let (p, err) = try CLI.start(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "40",
                                      "--out", out, "--no-cache"], environment: ["OPENAI_API_KEY": "k"])
        func kept() -> Int { (try? String(contentsOfFile: out + "/results.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0 }
        let deadline = Date().addingTimeInterval(30)
        while (kept() < 3 || server.requestCount < 10) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let sent = Date()
        p.interrupt()
        p.waitUntilExit()
        #expect(Date().timeIntervalSince(sent) < 20)             // the slow replies would take 30 s
        #expect(p.terminationStatus == 130)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("interrupted: results so far are in"))
        #expect(kept() >= 3)
    }
}
