import Foundation
import Testing
import LuaHost
@testable import ModelClient

/// local:NAME with a stand-in for llama-server (Tests/Fixtures/fake-llama-server.py).
@Suite(.serialized) struct LocalServerTests {
    static let fake = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fake-llama-server.py").path

    func installed() throws -> [String: String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-local-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try #"{"server": "\#(Self.fake)", "models": {"tiny": "/models/tiny.gguf"}, "context": 4096, "parallel": 3}"#
            .write(to: dir.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        return ["RPT_LOCAL_DIR": dir.path]
    }

    @Test func startsTheServerOnDemandAndStopsIt() async throws {
        let env = try installed()
        let hub = try ModelHub(config: .builtIn, environment: env)
        let client = try hub.client("local:tiny", role: "target")
        let r = try await client.complete(ChatRequest(model: "", messages: [.user("hi")]))
        let text = try #require(r.content)
        #expect(text.hasPrefix("fake reply from /models/tiny.gguf with 1 messages"))
        #expect(text.contains("--host 127.0.0.1") && text.contains("-c 4096") && text.contains("-np 3"))
        // A second client reuses the running server.
        let url = try LocalServer.shared.baseURL(for: "tiny", environment: env)
        #expect(LocalServer.healthy(url))
        LocalServer.shared.stopAll()
        #expect(!LocalServer.healthy(url))
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
}
