import Foundation
import Testing
import JSONText
import Synchronization
import TestSupport
@testable import ModelClient

/// local:NAME with a stand-in for llama-server (Tests/Fixtures/fake-llama-server.py).
@Suite(.serialized) struct LocalServerTests {
    func installed(_ manifest: String = #""context": 4096, "parallel": 3"#) throws -> [String: String] {
        ["RPT_LOCAL_DIR": try FakeLlamaServer.install(settings: manifest).path]
    }

    @Test func startsTheServerOnDemandAndStopsIt() async throws {
        let env = try installed()
        let hub = try ModelHub(config: .builtIn, environment: env)
        let client = try await offPool { try hub.client("local:tiny", role: "target") }    // starts the server: blocks
        let r = try await client.complete(ChatRequest(model: "", messages: [.user("hi")]))
        let text = try #require(r.content)
        #expect(text.hasPrefix("fake reply from /models/tiny.gguf with 1 messages"))
        // An older manifest's `context` is the whole server's: 4096 over 3 slots.
        #expect(text.contains("--host 127.0.0.1") && text.contains("-c 4095") && text.contains("-np 3"))
        #expect(text.contains("--cache-reuse 256") && text.contains("-t \(max(1, ProcessInfo.processInfo.activeProcessorCount / 2))"))
        // A second client reuses the running server.
        let url = try LocalServer.shared.baseURL(for: "tiny", environment: env)
        #expect(try await offPool { LocalServer.healthy(url) })
        try await offPool { LocalServer.shared.stopAll() }
        #expect(try await offPool { !LocalServer.healthy(url) })
    }

    @Test func unknownModelsAndMissingInstallsAreExplained() throws {
        let env = try installed()
        let hub = try ModelHub(config: .builtIn, environment: env)
        do { _ = try hub.client("local:tinny", role: "target"); Issue.record("no error") } catch {
            #expect("\(error)".contains("no local model 'tinny' (did you mean 'tiny'?)"))
        }
        let none = try ModelHub(config: .builtIn, environment: ["RPT_LOCAL_DIR": "/nonexistent/rpt"])
        do { _ = try none.client("local:tiny", role: "target"); Issue.record("no error") } catch {
            #expect("\(error)".contains("run make local-model"))
        }
    }

    /// Issue 18: every run overwrote .rpt-local/server-NAME.log. A process's server logs into its
    /// own file, or into the run folder it is given, and the hub says where as it starts it.
    @Test func eachRunKeepsItsOwnServerLog() throws {
        let env = try installed()
        defer { LocalServer.shared.logServers(in: nil); LocalServer.shared.stopAll() }
        _ = try ModelHub(config: .builtIn, environment: env).client("local:tiny", role: "target")
        let own = URL(fileURLWithPath: env["RPT_LOCAL_DIR"]!).appendingPathComponent("logs/server-tiny-\(getpid()).log")
        #expect(LocalServer.shared.log(of: "tiny") == own)
        #expect(try String(contentsOf: own, encoding: .utf8).contains("fake llama-server for /models/tiny.gguf"))
        LocalServer.shared.stopAll()

        let run = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-run-\(UUID().uuidString)")
        LocalServer.shared.logServers(in: run)
        let hub = try ModelHub(config: .builtIn, environment: env)
        let heard = Mutex<[String]>([])
        hub.onNotice { note in heard.withLock { $0.append(note) } }
        _ = try hub.client("local:tiny", role: "target")
        let log = run.appendingPathComponent("server-tiny.log")
        #expect(heard.withLock { $0 } == ["starting the local server for local:tiny (its log: \(log.path))"])
        #expect(try String(contentsOf: log, encoding: .utf8).contains("fake llama-server for /models/tiny.gguf"))
    }

    /// Issue 18: ten requests at once to a server with 2 slots, each taking 0.8 s, with a 2 s
    /// timeout. Sent all at once, the last ones would wait 3.2 s in the server's queue and time
    /// out; rpt keeps the rest in its own queue, where the timeout does not run.
    @Test func concurrencyFollowsTheSlotsAndQueuedTimeIsNotTimedOut() async throws {
        let env = try installed(#""slot_context": 2048, "parallel": 2"#)
        var config = ModelConfig.builtIn
        config.endpoints["local"]?.timeout = 2
        config.endpoints["local"]?.idleTimeout = 2
        let hub = try ModelHub(config: config, environment: env)
        let client = try await offPool { try hub.client("local:tiny", role: "target") }
        defer { LocalServer.shared.stopAll() }
        let started = ContinuousClock.now
        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 {
                group.addTask { try await client.complete(ChatRequest(model: "", messages: [.user("sleep 0.8")])).content ?? "" }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.count == 10)
        #expect(replies.allSatisfy { $0.contains("queued 0.0") }, "the server queued requests: \(replies)")
        #expect(replies.allSatisfy { $0.contains("-c 4096") && $0.contains("-np 2") })
        #expect(ContinuousClock.now - started >= .seconds(3.9))   // 5 turns of 2 slots: the server did the work
        let line = try #require(hub.ledger.lines.first)
        #expect(line.calls == 10 && line.retries == 0 && line.failures == 0)
    }
}
