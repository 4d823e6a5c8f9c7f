import Foundation
import Testing
import LuaHost
import MockModels
import Synchronization
import TestSupport

/// A new user's bad day, through the binary: bad numbers, budgets, changed data, passwords in
/// URLs, damaged caches. Each ends in bounded time with a message that names the fix.
@Suite(.serialized) struct HostileRunTests {
    func temp(_ name: String) -> String { Scratch.path(name) }

    static let rows = (1...6).map { HostilePack.row("d\($0)", "w\($0)") }

    func tune(_ pack: URL, _ url: String, _ folder: String, _ more: [String] = []) -> [String] {
        ["tune", pack.path, "--target", "openai:t", "--base-url", url, "--rounds", "1", "--run", folder] + more
    }

    @Test func aResumeRefusesSettingsItWouldIgnore() async throws {
        let r = try await CLI.run(["tune", "--resume", temp("no-run"), "--rounds", "5", "--dev-limit=40"], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status != 0)
        #expect(r.err.contains("a resumed run keeps the settings in its config.json, so --rounds, --dev-limit would be ignored: leave them out"), "\(r.err)")
        let p = try await CLI.run(["tune", "tasks/banking77", "--resume", temp("no-run")], environment: ["OPENAI_API_KEY": "k"])
        #expect(p.status != 0 && p.err.contains("so the pack would be ignored: leave it out"), "\(p.err)")
    }

    @Test func aCostBudgetWithAnUnpricedModelIsRefused() async throws {
        let r = try await CLI.run(["tune", "tasks/banking77", "--target", "openai:gpt-4.1-mini", "--optimizer", "anthropic:claude-x",
                                   "--budget-cost", "5"], environment: [:])
        #expect(r.status == 1)
        #expect(r.err.contains("--budget-cost needs a price for every model of the run, and anthropic:claude-x has none"))
    }

    @Test func theDryRunCountsCriticCallsNudgesAndMaxTokens() async throws {
        let r = try await CLI.run(["tune", "tasks/banking77", "--target", "openai:gpt-4.1-mini", "--critic", "openai:gpt-4.1-nano",
                                   "--rounds", "2", "--tool-calls", "3", "--dry-run"], environment: [:])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("optimizer  openai:gpt-4.1-mini: 12 calls"))         // 2 rounds x 2 x 3 tool calls
        #expect(r.out.contains("and 24576 out"))                                      // 12 x 2048 max tokens
        #expect(r.out.contains("critic     openai:gpt-4.1-nano: 168 calls"))          // (1 + 2 x 3) reports x 24 labels
    }

    @Test func theTimeBudgetEndsARunOnTimeAgainstASlowServer() async throws {
        let server = try MockServer { _ in .delayed(300, .chat("late")) }
        defer { server.stop() }
        let pack = try HostilePack.make(dev: Self.rows)
        let start = ContinuousClock.now
        let r = try await CLI.run(tune(pack, server.baseURL, temp("slow"), ["--budget-seconds", "2"]), environment: ["OPENAI_API_KEY": "k"])
        #expect(ContinuousClock.now - start < .seconds(120))          // the replies would take 300 s
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("stopped by budget: the time budget (2 s) is spent"), "\(r.out)")
    }

    @Test func aResumeAfterTheDataChangedIsRefused() async throws {
        let server = try MockServer { HostilePack.echo($0) }
        defer { server.stop() }
        let pack = try HostilePack.make(dev: Self.rows)
        let folder = temp("changed")
        let first = try await CLI.run(tune(pack, server.baseURL, folder), environment: ["OPENAI_API_KEY": "k"])
        #expect(first.status == 0, "\(first.err)")
        let config = try String(contentsOfFile: folder + "/config.json", encoding: .utf8)
        #expect(config.contains(#""data/dev.jsonl":""#) && config.contains(#""task.lua":""#))
        try (Self.rows.dropLast() + [HostilePack.row("d6", "w6", label: "relabelled")]).joined(separator: "\n")
            .write(to: pack.appendingPathComponent("data/dev.jsonl"), atomically: true, encoding: .utf8)
        let again = try await CLI.run(["tune", "--resume", folder, "--base-url", server.baseURL], environment: ["OPENAI_API_KEY": "k"])
        #expect(again.status == 1)
        #expect(again.err.contains("the pack changed since this run started (data/dev.jsonl changed)"), "\(again.err)")
    }

    @Test func aPasswordInTheBaseURLIsNeverWrittenAndIsAskedForAgain() async throws {
        let server = try MockServer { HostilePack.echo($0) }
        defer { server.stop() }
        let pack = try HostilePack.make(dev: Self.rows)
        let folder = temp("secret")
        let url = server.baseURL.replacingOccurrences(of: "http://", with: "http://me:hunter2@")
        let r = try await CLI.run(tune(pack, url, folder), environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        #expect(server.requests.first?.headers["authorization"] != nil)
        for file in try FileManager.default.subpathsOfDirectory(atPath: folder) where !file.hasPrefix("cache") {
            let text = (try? String(contentsOfFile: folder + "/" + file, encoding: .utf8)) ?? ""
            #expect(!text.contains("hunter2"), "\(file)")
        }
        #expect(!r.out.contains("hunter2") && !r.err.contains("hunter2"))
        let bare = try await CLI.run(["tune", "--resume", folder], environment: ["OPENAI_API_KEY": "k"])
        #expect(bare.status == 1 && bare.err.contains("had a password, which rpt does not write down: give it again with --base-url"))
        let given = try await CLI.run(["tune", "--resume", folder, "--base-url", url], environment: ["OPENAI_API_KEY": "k"])
        #expect(given.status == 0, "\(given.err)")
    }

    @Test func unusableDataIsRefusedBeforeAnyCall() async throws {
        let server = try MockServer { HostilePack.echo($0) }
        defer { server.stop() }
        let empty = try HostilePack.make(dev: [])
        let e = try await CLI.run(tune(empty, server.baseURL, temp("empty")), environment: ["OPENAI_API_KEY": "k"])
        #expect(e.status == 1 && e.err.contains("the dev split of \(empty.path) is empty"), "\(e.err)")
        let twice = try HostilePack.make(dev: Self.rows + [HostilePack.row("t1", "again")])
        let d = try await CLI.run(tune(twice, server.baseURL, temp("dup")), environment: ["OPENAI_API_KEY": "k"])
        #expect(d.status == 1 && d.err.contains("'t1' at data/dev.jsonl:7 (first at data/train.jsonl:1)"), "\(d.err)")
        let latin = try HostilePack.make(dev: Self.rows)
        var bytes = Array(HostilePack.row("d7", "caf").utf8)
        bytes.insert(0xE9, at: bytes.firstIndex(of: UInt8(ascii: "f"))! + 1)             // "café" in Latin-1
        let h = try FileHandle(forWritingTo: latin.appendingPathComponent("data/dev.jsonl"))
        h.seekToEndOfFile()
        h.write(Data(bytes + [0x0A]))
        try h.close()
        let l = try await CLI.run(tune(latin, server.baseURL, temp("latin")), environment: ["OPENAI_API_KEY": "k"])
        #expect(l.status != 0 && l.err.contains("data/dev.jsonl:7: not valid UTF-8 at byte 26"), "\(l.err)")
        // rpt eval pairs and reports by id too: a repeated id in its split is refused, before any call.
        let devTwice = try HostilePack.make(dev: Self.rows + [HostilePack.row("d1", "again")])
        let ev = try await CLI.run(["eval", devTwice.path, "--target", "openai:t", "--base-url", server.baseURL, "--split", "dev", "--out", temp("dup-eval")],
                            environment: ["OPENAI_API_KEY": "k"])
        #expect(ev.status != 0 && ev.err.contains("ids must be unique across the dev split") && ev.err.contains("'d1' at data/dev.jsonl:7"), "\(ev.err)")
        #expect(server.requestCount == 0)
    }

    @Test func aDamagedOrUnwritableCacheNamesTheFix() async throws {
        let server = try MockServer { HostilePack.echo($0) }
        defer { server.stop() }
        let pack = try HostilePack.make(dev: Self.rows)
        let dir = temp("badcache")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try String(repeating: "not a database ", count: 400).write(toFile: dir + "/responses.sqlite", atomically: true, encoding: .utf8)
        let args = ["eval", pack.path, "--target", "openai:t", "--base-url", server.baseURL, "--out", temp("o")]
        let damaged = try await CLI.run(args, environment: ["OPENAI_API_KEY": "k", "RPT_CACHE_DIR": dir])
        #expect(damaged.status != 0)
        #expect(damaged.err.contains("the response cache \(dir)/responses.sqlite is damaged"), "\(damaged.err)")
        #expect(damaged.err.contains("--no-cache"))
        let unwritable = try await CLI.run(args, environment: ["OPENAI_API_KEY": "k", "RPT_CACHE_DIR": "/sys/rpt-cache"])
        #expect(unwritable.status != 0)
        #expect(unwritable.err.contains("cannot make the folder of the response cache /sys/rpt-cache"), "\(unwritable.err)")
        #expect(unwritable.err.contains("set RPT_CACHE_DIR to a writable folder"))
    }

    @Test func aLongRetryAfterIsCappedAndSaid() async throws {
        let config = temp("xdg")
        try FileManager.default.createDirectory(atPath: config + "/rpt", withIntermediateDirectories: true)
        try "[providers.openai]\nmax_retry_wait = 1\n".write(toFile: config + "/rpt/rpt.toml", atomically: true, encoding: .utf8)
        let server = try MockServer { req in req.index == 0 ? .error(429, "slow down", retryAfter: "86400") : HostilePack.echo(req) }
        defer { server.stop() }
        let pack = try HostilePack.make(dev: [HostilePack.row("d1", "w1")])
        let start = ContinuousClock.now
        let r = try await CLI.run(["eval", pack.path, "--target", "openai:t", "--base-url", server.baseURL, "--no-cache", "--out", temp("o")],
                                  environment: ["OPENAI_API_KEY": "k", "XDG_CONFIG_HOME": config])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("openai:t: waiting 1 s before attempt 2 of 6 (HTTP 429, the server asked for 86400 s: capped by max_retry_wait)"))
        #expect(ContinuousClock.now - start < .seconds(120))           // the server asked for a day
    }

    @Test func twoReplicasOneDyingMidRunScoreEveryExampleOnce() async throws {
        let alive = try MockServer { req in Thread.sleep(forTimeInterval: 0.01); return HostilePack.echo(req) }
        let dying = Mutex<MockServer?>(nil)
        let b = try MockServer { req in
            if req.index >= 8 { let s = dying.withLock { $0 }; Thread { s?.stop() }.start(); return .drop }
            Thread.sleep(forTimeInterval: 0.01)
            return HostilePack.echo(req)
        }
        dying.withLock { $0 = b }
        defer { alive.stop(); b.stop() }
        let config = temp("xdg")
        try FileManager.default.createDirectory(atPath: config + "/rpt", withIntermediateDirectories: true)
        try "[providers.pair]\nbase_urls = [\"\(alive.baseURL)\", \"\(b.baseURL)\"]\nconcurrency = 4\n"
            .write(toFile: config + "/rpt/rpt.toml", atomically: true, encoding: .utf8)
        let rows = (1...40).map { HostilePack.row("d\($0)", "w\($0)") }
        let pack = try HostilePack.make(dev: rows)
        let out = temp("pair")
        let r = try await CLI.run(["eval", pack.path, "--target", "pair:m", "--no-cache", "--out", out, "--json"],
                                  environment: ["XDG_CONFIG_HOME": config])
        #expect(r.status == 0, "\(r.err)")
        let results = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n").map { try JSON.decode(String($0)) }
        #expect(results.count == 40)
        #expect(Set(results.compactMap { $0["id"]?.string }).count == 40)
        #expect(results.allSatisfy { $0["api_error"] == nil && $0["score"]?.number == 1 })
        #expect(b.requestCount >= 1 && alive.requestCount >= 32)
    }

    @Test func aResumeThatDivergesFromTheLogStopsLoudly() async throws {
        let server = try MockServer { HostilePack.echo($0) }
        defer { server.stop() }
        let pack = try HostilePack.make(dev: Self.rows)
        let folder = temp("diverge")
        #expect(try await CLI.run(tune(pack, server.baseURL, folder), environment: ["OPENAI_API_KEY": "k"]).status == 0)
        let log = folder + "/events.jsonl"
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        let edited = try lines.map { line -> String in
            var e = try JSON.decode(line).object!
            if e["type"] == "baseline" { e["dev_score"] = .double(0.123) }              // as if another dataset had been scored
            return JSON.encode(.object(e))
        }
        try (edited.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let r = try await CLI.run(["tune", "--resume", folder, "--base-url", server.baseURL], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 1)
        #expect(r.err.contains("the resumed run differs from the one that was killed at event"), "\(r.err)")
        #expect(r.err.contains("(baseline)"))
        #expect(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").count == lines.count)
    }
}
