import Foundation
import Testing
import TestSupport

/// A `kill` of rpt (SIGTERM) stops the llama-server it started instead of leaving it running.
@Suite struct LocalSignalTests {
    /// Whether a process whose command line contains `text` is running (from /proc: no pgrep to wait for).
    static func running(_ text: String) -> Bool {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        return pids.contains { pid in
            guard let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: cmd, as: UTF8.self).contains(text)
        }
    }

    @Test func aKilledRunStopsItsLocalServer() async throws {
        let weights = "/models/tiny-\(UUID().uuidString).gguf"        // names this test's server alone
        let dir = try FakeLlamaServer.install(weights: weights, settings: #""slot_context": 4096"#)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("pack/data"), withIntermediateDirectories: true)
        // Every request asks the stand-in server to take 60 s: rpt is still waiting when killed.
        try """
            return { api = 1, name = "slow", data = "data/all.jsonl", prompt = { instruction = "sleep 60" },
              render = function(ex) return ex.id end, extract = function(r) return r end, score = function() return 1 end }
            """.write(to: dir.appendingPathComponent("pack/task.lua"), atomically: true, encoding: .utf8)
        try (0..<20).map { #"{"id": "\#($0)"}"# }.joined(separator: "\n")
            .write(to: dir.appendingPathComponent("pack/data/all.jsonl"), atomically: true, encoding: .utf8)
        // The stand-in notes each request it takes: once one is there, rpt is waiting on the server.
        let requests = dir.appendingPathComponent("requests.log")
        let (p, _) = try CLI.start(["eval", dir.appendingPathComponent("pack").path, "--target", "local:tiny", "--split", "train",
                                    "--no-cache", "--out", dir.appendingPathComponent("out").path],
                                   environment: ["RPT_LOCAL_DIR": dir.path, "FAKE_LLAMA_REQUEST_LOG": requests.path])
        defer { if p.isRunning { p.terminate() } }
        let waiting = await eventually { FileManager.default.fileExists(atPath: requests.path) || !p.isRunning }
        try #require(waiting && p.isRunning, "rpt never sent the stand-in server a request")
        #expect(Self.running(weights))
        p.terminate()                                                    // SIGTERM
        try await Child.exit(p)
        #expect(await eventually { !Self.running(weights) }, "llama-server outlived the rpt that started it")
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGTERM)
    }
}
