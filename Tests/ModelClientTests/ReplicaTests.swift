import Foundation
import Testing
import JSONText
import MockModels
import Synchronization
import TestSupport
@testable import ModelClient

/// One provider served by several base URLs: load spread, an outage set aside, nothing lost.
@Suite struct ReplicaTests {
    /// A server that answers `name` and dies (stops listening, drops what it holds) at its `dieAt`-th request.
    static func replica(_ name: String, dieAt: Int? = nil) throws -> MockServer {
        let box = Mutex<MockServer?>(nil)
        let server = try MockServer { req in
            if let dieAt, req.index >= dieAt {
                let s = box.withLock { $0 }
                Thread { s?.stop() }.start()
                return .drop
            }
            Thread.sleep(forTimeInterval: 0.01)
            return .chat("\(name): \(req.json?["messages"]?.array?.last?["content"]?.string ?? "")")
        }
        box.withLock { $0 = server }
        return server
    }

    @Test func requestsSpreadAndSurviveAReplicaDyingMidRun() async throws {
        let a = try Self.replica("a"), b = try Self.replica("b", dieAt: 6)
        defer { a.stop(); b.stop() }
        var config = ModelConfig.builtIn
        var e = EndpointConfig(name: "pair", kind: .openai, baseURL: a.baseURL, apiKeyEnv: nil)
        e.mirrors = [b.baseURL]
        e.concurrency = 3
        config.endpoints["pair"] = e
        let hub = try ModelHub(config: config, retry: SleepLog().policy)
        let client = try hub.client("pair:m", role: "target")
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<40 {
                group.addTask {
                    try await client.complete(ChatRequest(model: "", messages: [.user("example \(i)")])).content ?? ""
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Every example answered once, by one replica or the other.
        #expect(Set(answers.map { $0.split(separator: " ").last! }).count == 40)
        let byB = answers.filter { $0.hasPrefix("b:") }.count
        #expect(byB >= 1 && byB <= 6 && answers.count == 40)           // b answered until it died
        #expect(a.requestCount >= 34)
        #expect(hub.ledger.lines.first?.failures == 0)
    }

    @Test func theHealthiestLeastLoadedReplicaIsPickedAndAFailureCoolsDown() {
        let pool = EndpointPool(urls: ["u0", "u1", "u2"])
        let (i, _) = pool.acquire(now: 0), (j, _) = pool.acquire(now: 0), (k, _) = pool.acquire(now: 0)
        #expect(Set([i, j, k]) == [0, 1, 2])                          // spread, not piled on the first
        pool.release(1, failed: true, now: 0)                         // u1 out for 1 s
        pool.release(0, failed: false, now: 0)
        #expect(pool.acquire(now: 0.5).1 == "u0")                    // u1 is cooling down; u0 is least loaded
        pool.release(2, failed: true, now: 0.5)                       // u2 out until 1.5
        #expect(pool.acquire(now: 0.6).1 == "u0")
        #expect(pool.acquire(now: 1.2).1 == "u1")                    // back after its cooldown
    }

    @Test func rptTomlTakesAListOfBaseURLs() throws {
        let dir = Scratch.url("replicas")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("rpt.toml")
        try "[providers.vllm]\nbase_urls = [\"http://10.0.0.1:8000/v1/\", \"http://10.0.0.2:8000/v1\"]\n".write(to: file, atomically: true, encoding: .utf8)
        var config = ModelConfig.builtIn
        try config.merge(file: file)
        #expect(config.endpoints["vllm"]?.baseURLs == ["http://10.0.0.1:8000/v1", "http://10.0.0.2:8000/v1"])
        config.endpoints["vllm"]?.setBaseURL("http://moved/v1//")
        #expect(config.endpoints["vllm"]?.baseURLs == ["http://moved/v1"])
        for bad in ["[]", "[\"http://a/v1\", \"file:///etc\"]", "[\"http://a/v1\", 3]"] {
            try "[providers.vllm]\nbase_urls = \(bad)\n".write(to: file, atomically: true, encoding: .utf8)
            #expect(throws: ModelError.self, "\(bad)") { try config.merge(file: file) }
        }
        try "[providers.x]\nbase_url = \"http://a/v1\"\nbase_urls = [\"http://b/v1\"]\n".write(to: file, atomically: true, encoding: .utf8)
        do { try config.merge(file: file); Issue.record("both accepted") } catch { #expect("\(error)".contains("not both")) }
    }
}
