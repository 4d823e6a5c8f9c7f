import Foundation
import Testing

/// A `kill` of rpt (SIGTERM) stops the llama-server it started instead of leaving it running.
@Suite struct LocalSignalTests {
    static let fake = CLI.root.appendingPathComponent("Tests/Fixtures/fake-llama-server.py").path

    func processes(matching text: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        p.arguments = ["-f", text]
        p.standardOutput = Pipe()
        try? p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    @Test func aKilledRunStopsItsLocalServer() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-sig-\(UUID().uuidString)")
        let weights = "/models/tiny-\(UUID().uuidString).gguf"        // names this test's server alone
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("pack/data"), withIntermediateDirectories: true)
        try #"{"server": "\#(Self.fake)", "models": {"tiny": "\#(weights)"}, "slot_context": 4096}"#
            .write(to: dir.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        // Every request asks the stand-in server to take 60 s: rpt is still waiting when killed.
        try """
            return { api = 1, name = "slow", data = "data/all.jsonl", prompt = { instruction = "sleep 60" },
              render = function(ex) return ex.id end, extract = function(r) return r end, score = function() return 1 end }
            """.write(to: dir.appendingPathComponent("pack/task.lua"), atomically: true, encoding: .utf8)
        try (0..<20).map { #"{"id": "\#($0)"}"# }.joined(separator: "\n")
            .write(to: dir.appendingPathComponent("pack/data/all.jsonl"), atomically: true, encoding: .utf8)
        let (p, _) = try CLI.start(["eval", dir.appendingPathComponent("pack").path, "--target", "local:tiny", "--split", "train",
                                    "--no-cache", "--out", dir.appendingPathComponent("out").path],
                                   environment: ["RPT_LOCAL_DIR": dir.path])
        var started = false
        for _ in 0..<200 where !started { Thread.sleep(forTimeInterval: 0.1); started = processes(matching: weights) }
        try #require(started, "the stand-in server never started")
        Thread.sleep(forTimeInterval: 0.5)
        p.terminate()                                                    // SIGTERM
        p.waitUntilExit()
        var gone = false
        for _ in 0..<100 where !gone { gone = !processes(matching: weights); if !gone { Thread.sleep(forTimeInterval: 0.1) } }
        #expect(gone, "llama-server outlived the rpt that started it")
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGTERM)
    }
}
