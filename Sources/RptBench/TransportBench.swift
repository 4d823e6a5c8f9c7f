import Foundation
import LuaHost
import MockModels
import TestSupport
import ModelClient

/// 2,000 chat requests, 64 at a time, to a loopback mock with 200 ms latency: rpt's client
/// against the ideal ceil(N/C) x latency, and DSPy's Evaluate on the same server and threads.
enum TransportBench {
    static let requests = 2000, concurrency = 64, latency = 0.2
    /// What the mock answers: DSPy's chat format, so DSPy parses it; rpt does not care.
    static let content = "[[ ## answer ## ]]\n42\n\n[[ ## completed ## ]]"

    static func run(into report: inout BenchReport) throws {
        let mock = try MockChild(["mock", String(latency)])
        defer { mock.stop() }
        let base = "http://127.0.0.1:\(mock.port)/v1"
        let ideal = Double((requests + concurrency - 1) / concurrency) * latency

        let rpt = try Bench.spawnJSON(["client", base])
        let seconds = rpt["seconds"]!.number!, cpu = rpt["cpu"]!.number!, rss = rpt["peak_rss_kb"]!.number! / 1024
        report.add(name: "\(requests) chat requests, \(concurrency) at a time, mock latency \(Int(latency * 1000)) ms (rpt client over libcurl)",
                   result: String(format: "%.2f s wall (ideal %.1f s); CPU %.0f µs per request; peak RSS %.0f MiB; %d ok",
                                  seconds, ideal, cpu / Double(requests) * 1e6, rss, Int(rpt["ok"]!.number!)),
                   goal: "within 1.2x of the ideal", ratio: seconds / ideal, higherIsBetter: false,
                   ratioNote: "wall / ideal (at most 1.2 meets it)", limit: 1.2)

        let python = FileManager.default.fileExists(atPath: ".venv-bench/bin/python") ? ".venv-bench/bin/python" : nil
        guard let python, let dspy = try? Bench.spawnJSON(["bench/dspy_eval.py", base, String(requests), String(concurrency)], executable: python) else {
            report.add(name: "the same with DSPy's Evaluate", result: "not run: DSPy is not installed in .venv-bench (make bench installs it with pip)",
                       goal: "a peer in the same run", ratio: .nan, higherIsBetter: true)
            return
        }
        let ds = dspy["seconds"]!.number!, dcpu = dspy["cpu"]!.number!, drss = dspy["peak_rss_kb"]!.number! / 1024
        report.add(name: "the same with DSPy \(dspy["dspy"]?.string ?? "") Evaluate (\(concurrency) threads, litellm, cache off)",
                   result: String(format: "%.2f s wall; CPU %.0f µs per request; peak RSS %.0f MiB; metric %.0f%% (replies parsed)",
                                  ds, dcpu / Double(requests) * 1e6, drss, dspy["score"]?.number ?? 0),
                   goal: "rpt at least as fast", ratio: ds / seconds, higherIsBetter: true,
                   ratioNote: String(format: "DSPy wall / rpt wall; CPU per request DSPy / rpt = %.1f", dcpu / max(cpu, 1e-9)))
    }

    /// In a child process: the rpt side, printing JSON.
    static func client(base: String) async throws {
        var config = ModelConfig.builtIn
        var endpoint = EndpointConfig(name: "mock", kind: .openai, baseURL: base, apiKeyEnv: nil)
        endpoint.concurrency = concurrency
        config.endpoints["mock"] = endpoint
        let client = try ModelHub(config: config).client("mock:m", role: "target")
        let before = Bench.cpuSeconds()
        let start = DispatchTime.now()
        let ok = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<requests {
                group.addTask {
                    let r = try await client.complete(ChatRequest(model: "m", messages: [.user("question \(i)")], maxTokens: 16))
                    return r.content == content
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        print(JSON.encode(["seconds": .double(seconds), "cpu": .double(Bench.cpuSeconds() - before),
                           "peak_rss_kb": .double(Bench.peakRSSKiB()), "ok": .int(Int64(ok))]))
    }

    /// In a child process: the mock server, until stdin closes.
    static func serveMock(latency: Double) throws {
        let server = try MockServer { _ in .delayed(latency, .chat(content, promptTokens: 30, completionTokens: 8)) }
        FileHandle.standardOutput.write(Data("\(server.port)\n".utf8))
        while FileHandle.standardInput.availableData.count > 0 {}
        server.stop()
    }
}

/// A mock server in a child process of this binary (so its work is not counted as rpt's): its
/// first line is the port; closing its stdin stops it.
struct MockChild {
    let running: Child.Running
    let port: String

    init(_ args: [String]) throws {
        running = try Child(URL(fileURLWithPath: CommandLine.arguments[0]), args).start(input: true, captureErrors: false)
        var line = Data()
        while true {
            let byte = running.out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line.append(byte)
        }
        port = String(decoding: line, as: UTF8.self)
    }

    func stop() { running.finish() }
}
