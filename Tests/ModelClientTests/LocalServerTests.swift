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

    /// Starts the servers of `models` the way a command does (blocking: off the cooperative pool).
    func start(_ models: [String], _ config: ModelConfig = .builtIn, env: [String: String], logFolder: URL? = nil,
               heard: @escaping @Sendable (String) -> Void = { _ in }) async throws -> (LocalServers, ModelConfig) {
        try await offPool {
            var config = config
            let servers = try LocalServers.start(models, config: &config, environment: env, logFolder: logFolder) { model, log in
                heard("\(model) \(log.path)")
            }
            return (servers, config)
        }
    }

    @Test func theCommandStartsTheServerAndStopsIt() async throws {
        let env = try installed()
        let (servers, config) = try await start(["openai:gpt-4.1", "local:tiny", "local:tiny"], env: env)
        #expect(servers.servers.map { $0.model } == ["tiny"])                 // once, and only local models
        let client = try ModelHub(config: config, environment: env).client("local:tiny", role: "target")
        let r = try await client.complete(ChatRequest(model: "", messages: [.user("hi")]))
        let text = try #require(r.content)
        #expect(text.hasPrefix("fake reply from /models/tiny.gguf with 1 messages"))
        // An older manifest's `context` is the whole server's: 4096 over 3 slots.
        #expect(text.contains("--host 127.0.0.1") && text.contains("-c 4095") && text.contains("-np 3"))
        #expect(text.contains("--cache-reuse 256") && text.contains("-t \(max(1, ProcessInfo.processInfo.activeProcessorCount / 2))"))
        let url = try #require(config.localServers["tiny"]?.url)
        #expect(config.localServers["tiny"]?.slots == 3)
        #expect(try await offPool { LocalServers.healthy(url) })
        try await offPool { servers.stop() }
        #expect(try await offPool { !LocalServers.healthy(url) })
    }

    /// Issue 12: a hub never starts a process; a local model whose server the command did not
    /// start is refused when its client is made, before any call.
    /// Without RPT_LOCAL_DIR, the models are looked for in the checkout rpt was built in, found from
    /// the binary's real path (`.build/debug` is a link one level shallower than its target).
    @Test func theCheckoutIsFoundFromTheBinarysRealPath() {
        #expect(LocalManifest.checkout()?.standardizedFileURL.path == repoRoot.standardizedFileURL.path)
    }

    @Test func aHubStartsNoServer() throws {
        let env = try installed()
        let e = #expect(throws: ModelError.self) { _ = try ModelHub(config: .builtIn, environment: env).client("local:tiny", role: "target") }
        #expect(e?.description.contains("local:tiny has no server") == true, "\(String(describing: e))")
        #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: env["RPT_LOCAL_DIR"]!).appendingPathComponent("logs").path))
    }

    @Test func unknownModelsAndMissingInstallsAreExplained() async throws {
        let env = try installed()
        let misspelt = await #expect(throws: ModelError.self) { _ = try await start(["local:tinny"], env: env) }
        #expect(misspelt?.description.contains("no local model 'tinny' (did you mean 'tiny'?)") == true, "\(String(describing: misspelt))")
        let none = await #expect(throws: ModelError.self) { _ = try await start(["local:tiny"], env: ["RPT_LOCAL_DIR": "/nonexistent/rpt"]) }
        #expect(none?.description.contains("run make local-model") == true, "\(String(describing: none))")
    }

    /// A manifest is a file from outside: a number that would trap a conversion, or start a
    /// server with no slots, is refused naming the key.
    @Test func aHostileManifestIsRefusedNamingTheKey() async throws {
        for (settings, key) in [(#""parallel": 1e300"#, "parallel"), (#""parallel": 0"#, "parallel"), (#""threads": -3"#, "threads"),
                                (#""slot_context": "big""#, "slot_context"), (#""context": 1e400"#, "context")] {
            let env = try installed(settings)
            let e = await #expect(throws: ModelError.self) { _ = try await start(["local:tiny"], env: env) }
            #expect(e?.description.contains("manifest.json: \(key) is") == true, "\(String(describing: e))")
        }
    }

    /// Issue 18: every run overwrote .rpt-local/server-NAME.log. A process's server logs into its
    /// own file, or into the run folder it is given, and the command hears where as it starts it.
    @Test func eachRunKeepsItsOwnServerLog() async throws {
        let env = try installed()
        let (servers, _) = try await start(["local:tiny"], env: env)
        let own = URL(fileURLWithPath: env["RPT_LOCAL_DIR"]!).appendingPathComponent("logs/server-tiny-\(getpid()).log")
        #expect(servers.server(for: "tiny")?.log == own)
        #expect(try String(contentsOf: own, encoding: .utf8).contains("fake llama-server for /models/tiny.gguf"))
        try await offPool { servers.stop() }

        let run = try Scratch.folder("run")
        let heard = Mutex<[String]>([])
        let (again, _) = try await start(["local:tiny"], env: env, logFolder: run) { line in heard.withLock { $0.append(line) } }
        defer { again.stop() }
        let log = run.appendingPathComponent("server-tiny.log")
        #expect(heard.withLock { $0 } == ["tiny \(log.path)"])
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
        let (servers, started) = try await start(["local:tiny"], config, env: env)
        defer { servers.stop() }
        let hub = try ModelHub(config: started, environment: env)
        let client = try hub.client("local:tiny", role: "target")
        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 {
                group.addTask { try await client.complete(ChatRequest(model: "", messages: [.user("sleep 0.8")])).content ?? "" }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.count == 10)
        #expect(replies.allSatisfy { $0.contains("queued 0.0") }, "the server queued requests: \(replies)")
        #expect(replies.allSatisfy { $0.contains("-c 4096") && $0.contains("-np 2") })
        let line = try #require(hub.ledger.lines.first)
        #expect(line.calls == 10 && line.retries == 0 && line.failures == 0)
    }
}
