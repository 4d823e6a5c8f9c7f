import Foundation
import LuaHost
import ModelClient
import TaskPack
import Tuning

/// The embedded model's speed, as llama.cpp's server reports it (`timings` in each reply), on
/// banking77 prompts: prompt processing and generation tokens per second. Skipped when no local
/// model is installed (make local-model).
enum LocalModelBench {
    static func run(root: URL, into report: inout BenchReport) async throws {
        guard let manifest = try? LocalManifest.load(), let model = manifest.models.keys.sorted().first else {
            report.add(name: "local model speed", result: "not run: no local model installed (make local-model)",
                       goal: "recorded", ratio: .nan, higherIsBetter: true)
            return
        }
        var config = ModelConfig.builtIn
        let servers = try LocalServers.start(["local:" + model], config: &config)
        defer { servers.stop() }
        guard let base = config.localServers[model]?.url else { return }
        let pack = root.appendingPathComponent("tasks/banking77")
        let runtime = try PackRuntime(directory: pack)
        let examples = Array(try PackData.load(spec: runtime.spec, directory: pack)[.dev].prefix(12))
        let program = PromptProgram(runtime.spec.prompt)
        var promptTokens = 0.0, promptMs = 0.0, genTokens = 0.0, genMs = 0.0
        for ex in examples {
            let body = OpenAIChat().body(ChatRequest(model: model, messages: program.messages(for: try runtime.render(ex)), maxTokens: 64))
            let r = try await CurlTransport.shared.send(HTTPRequest(url: base + "/chat/completions", headers: ["Content-Type: application/json"],
                                                                    body: Array(JSON.encode(body).utf8)))
            let t = try r.body.withUnsafeBufferPointer { try JSON.decode($0) }["timings"]
            promptTokens += t?["prompt_n"]?.number ?? 0
            promptMs += t?["prompt_ms"]?.number ?? 0
            genTokens += t?["predicted_n"]?.number ?? 0
            genMs += t?["predicted_ms"]?.number ?? 0
        }
        let pps = promptTokens / max(promptMs / 1000, 1e-9), gps = genTokens / max(genMs / 1000, 1e-9)
        report.add(name: "local:\(model) (llama.cpp server, 2 slots) on \(examples.count) banking77 prompts, one at a time",
                   result: String(format: "prompt %.0f tokens/s (%.0f tokens), generation %.1f tokens/s (%.0f tokens)", pps, promptTokens, gps, genTokens),
                   goal: "recorded (no goal)", ratio: .nan, higherIsBetter: true)
        report.rows[report.rows.count - 1].verdict = "recorded"
    }
}
