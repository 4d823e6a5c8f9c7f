import Foundation
import LuaHost
import MockModels
import ModelClient
import TaskPack
import Tuning

/// The tuning loop's own cost: the same scripted banking77 run with a mock latency of 200 ms
/// and of 0 ms. The 0 ms run is all the work that is not waiting for a model (loop, Lua hooks,
/// reports, JSON, HTTP on loopback, the mock's own work), so its share of the 200 ms run bounds
/// the overhead from above.
enum LoopBench {
    static func run(root: URL, into report: inout BenchReport) async throws {
        let slow = try await once(root: root, latency: 0.2)
        let fast = try await once(root: root, latency: 0)
        report.add(name: "rpt tune loop overhead (banking77, scripted optimizer, 2 rounds x 2 candidates, \(slow.calls) model calls)",
                   result: String(format: "%.2f s wall at 200 ms latency; %.2f s at 0 ms (the work that is not model time)", slow.seconds, fast.seconds),
                   goal: "overhead < 5% of wall time", ratio: fast.seconds / slow.seconds, higherIsBetter: false,
                   ratioNote: "0 ms run / 200 ms run (at most 0.05 meets it)", limit: 0.05)
    }

    /// The scripted banking77 world, served from a child process so its work is not rpt's.
    static func world(root: URL) throws -> (ScriptedWorld, PackRuntime, PackData) {
        let pack = root.appendingPathComponent("tasks/banking77")
        let runtime = try PackRuntime(directory: pack)
        let data = try PackData.load(spec: runtime.spec, directory: pack)
        let good = ScriptedWorld.magic
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels(root: root)) { round, step in
            switch step {
            case 0: return [("evaluate_edit", ["section": "guidance", "text": .string(good + " v\(round)")])]
            case 1: return [("edit_section", ["section": "guidance", "text": .string(good + " v\(round)")])]
            default: return [("edit_section", ["section": "guidance", "text": .string(good + " w\(round)")])]
            }
        }
        return (world, runtime, data)
    }

    /// In a child process: serve the world until stdin closes.
    static func serve(root: URL, latency: Double) throws {
        let (world, _, _) = try world(root: root)
        let server = try MockServer { latency > 0 ? .delayed(latency, world.reply($0)) : world.reply($0) }
        FileHandle.standardOutput.write(Data("\(server.port)\n".utf8))
        while FileHandle.standardInput.availableData.count > 0 {}
        server.stop()
    }

    static func once(root: URL, latency: Double) async throws -> (seconds: Double, calls: Int) {
        let mock = try MockChild(["loopmock", String(latency)])
        defer { mock.stop() }
        let (_, runtime, data) = try world(root: root)
        var s = TuneSettings(pack: root.appendingPathComponent("tasks/banking77").path, target: "mock:t", optimizer: "mock:o")
        s.trainSample = 50; s.devLimit = 100; s.testLimit = 100; s.rounds = 2; s.patience = 5
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-loopbench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try RunStore(folder: folder)
        var config = ModelConfig.builtIn
        config.endpoints["mock"] = EndpointConfig(name: "mock", kind: .openai, baseURL: "http://127.0.0.1:\(mock.port)/v1", apiKeyEnv: nil)
        let hub = try ModelHub(config: config, cache: try ResponseCache(path: store.cachePath), cacheAllTemperatures: true)
        let start = DispatchTime.now()
        _ = try await Tuner(settings: s, store: store, models: try TuneModels(hub: hub, settings: s, spec: runtime.spec), runtime: runtime, data: data).run()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return (seconds, hub.ledger.lines.reduce(0) { $0 + $1.calls })
    }
}
