import Foundation
import Testing
import LuaHost
import MockModels
import TestSupport

/// What a newcomer reads after a run (issue 18): the printed numbers are summary.json's, the
/// calibration line says why it is missing, and progress reaches a log file while the run goes on.
@Suite struct SummaryCLITests {
    func temp(_ name: String) -> String { EvalCLITests().temp(name) }

    /// Each printed ledger line ("... live N calls, in A · out B · cached M replies, in C · out D ...")
    /// as its role (the first word that is not "tokens") and its six numbers.
    static func printedTokens(_ text: String) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for line in text.split(separator: "\n") {
            guard let m = line.firstMatch(of: #/live (\d+) calls, in (\d+) · out (\d+) · cached (\d+) replies, in (\d+) · out (\d+)/#),
                  let role = line.split(separator: " ").first(where: { $0 != "tokens" }) else { continue }
            out[String(role)] = [m.1, m.2, m.3, m.4, m.5, m.6].compactMap { Int($0) }
        }
        return out
    }

    /// summary.json's `tokens`, in the same shape.
    static func summaryTokens(_ summary: LuaValue) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for line in summary["tokens"]?.array ?? [] {
            let numbers = ["live", "cached"].flatMap { part in
                ["calls", "input_tokens", "output_tokens"].map { Int(line[part]?[$0]?.number ?? -1) }
            }
            out[line["role"]?.string ?? "?"] = numbers
        }
        return out
    }

    static func summary(_ folder: String) throws -> LuaValue {
        try JSON.decode(try String(contentsOfFile: folder + "/summary.json", encoding: .utf8))
    }

    /// Issue 18: the table said `in 2534 · out 30234` while summary.json counted the cached replies too.
    @Test func printedTokenCountsAreSummaryJSONsWithCachedAndLiveApart() async throws {
        // Token counts differ per request, so a sum over the wrong replies cannot match by chance.
        let server = try MockServer { req in
            let user = req.json?["messages"]?.array?.last?["content"]?.string ?? ""
            return .chat(user.components(separatedBy: "Text: ").last ?? "", promptTokens: 100 + 7 * req.index, completionTokens: 3 + req.index)
        }
        defer { server.stop() }
        let env = ["OPENAI_API_KEY": "k", "RPT_CACHE_DIR": temp("cache")]
        let rows = (1...10).map { HostilePack.row("d\($0)", "word\($0)") }
        func eval(_ dev: [String]) async throws -> (out: String, folder: String) {
            let folder = temp("tokens")
            let r = try await CLI.run(["eval", try HostilePack.make(dev: dev).path, "--target", "openai:m", "--base-url", server.baseURL,
                                 "--out", folder], environment: env)
            #expect(r.status == 0, "\(r.err)")
            return (r.out, folder)
        }
        _ = try await eval(Array(rows.prefix(4)))              // these four replies are in the cache now
        let (out, folder) = try await eval(rows)
        let printed = Self.printedTokens(out)
        #expect(printed == Self.summaryTokens(try Self.summary(folder)), "\(out)")
        let target = try #require(printed["target"])
        #expect(target[0] == 6 && target[3] == 4, "live and cached calls: \(target)")
        #expect(out.contains("cache          4 of 10 replies from the cache"))

        // And both are the per-example results summed, live and cached apart.
        let results = try String(contentsOfFile: folder + "/results.jsonl", encoding: .utf8).split(separator: "\n").map { try JSON.decode(String($0)) }
        for (cached, offset) in [(false, 0), (true, 3)] {
            let mine = results.filter { $0["cached"] == .bool(cached) }
            #expect(target[offset] == mine.count)
            #expect(target[offset + 1] == mine.reduce(0) { $0 + Int($1["input_tokens"]?.number ?? 0) })
            #expect(target[offset + 2] == mine.reduce(0) { $0 + Int($1["output_tokens"]?.number ?? 0) })
        }
    }

    /// Issue 18: "none (the pack's extract gives no confidence)" was printed for banking77, whose
    /// extract gives one, when no reply parsed.
    @Test func calibrationSaysWhyItIsMissing() async throws {
        let server = try MockServer { _ in .chat("I think it is about a card.") }
        defer { server.stop() }
        let args = ["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "12", "--no-cache"]
        let r = try await CLI.run(args + ["--out", temp("calib")], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("calibration    none (no reply was parsed: 12 of 12 format errors)"), "\(r.out)")
        let j = try await CLI.run(args + ["--json", "--out", temp("calib")], environment: ["OPENAI_API_KEY": "k"])
        #expect(try JSON.decode(j.out)["no_calibration"]?.string == "no reply was parsed: 12 of 12 format errors")

        // A pack whose extract gives no confidence is named as the reason.
        let echo = try MockServer(handler: HostilePack.echo)
        defer { echo.stop() }
        let pack = try HostilePack.make(dev: (1...3).map { HostilePack.row("d\($0)", "a") })
        let e = try await CLI.run(["eval", pack.path, "--target", "openai:m", "--base-url", echo.baseURL, "--no-cache", "--out", temp("calib")],
                            environment: ["OPENAI_API_KEY": "k"])
        #expect(e.out.contains("calibration    none (the pack's extract gave no confidence for any of the 3 parsed replies)"), "\(e.out)")
    }

    /// Issue 18: with stderr not a terminal, a 20-minute eval printed not one line until it ended.
    @Test func evalWritesProgressToAFileWhileItRuns() async throws {
        let server = try MockServer { req in
            let reply = MockReply.chat(#"{"intent": "card_arrival", "confidence": 0.8}"#)
            return req.index < 5 ? reply : .delayed(120, reply)   // the sixth never comes in time
        }
        defer { server.stop() }
        let (p, log) = try startEval(server, ["--limit", "6"], progressSeconds: "0", name: "progress")
        func written() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        _ = await eventually(timeout: 30) { written().contains("/6 examples") || !p.isRunning }
        let whileRunning = written()
        let stillRunning = p.isRunning
        #expect(stillRunning, "the run ended before any progress line: \(whileRunning)")
        #expect(whileRunning.contains("/6 examples, score "), "\(whileRunning)")
        #expect(!whileRunning.contains("6/6 examples"))         // the slow reply has not come
        p.interrupt()                                          // Ctrl-C: the results so far are kept
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
    }

    /// rpt eval of banking77 against `server` with stderr to a file (not a terminal), not waited for.
    func startEval(_ server: MockServer, _ more: [String], progressSeconds: String, name: String) throws -> (Process, String) {
        let log = temp("stderr-" + name)
        let child = CLI.child(["eval", "tasks/banking77", "--target", "openai:m", "--base-url", server.baseURL, "--no-cache", "--out", temp(name)] + more,
                              environment: ["OPENAI_API_KEY": "k", "RPT_PROGRESS_SECONDS": progressSeconds])
        return (try child.start(errorsTo: URL(fileURLWithPath: log)).process, log)
    }

    /// Issue 18: with no reply yet (a slow local model), the plain line still comes every few seconds.
    @Test func evalSaysItIsWaitingBeforeTheFirstReply() async throws {
        let server = try MockServer { _ in .delayed(120, .chat(#"{"intent": "card_arrival", "confidence": 0.8}"#)) }
        defer { server.stop() }
        let (p, log) = try startEval(server, ["--limit", "4"], progressSeconds: "1", name: "waiting")
        func written() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        let said = await eventually(timeout: 60) { written().contains("0/4 examples, score -, API errors 0") || !p.isRunning }
        #expect(said && p.isRunning, "\(written())")
        #expect(written().contains(", waiting for replies"), "\(written())")
        p.interrupt()
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
    }
}
