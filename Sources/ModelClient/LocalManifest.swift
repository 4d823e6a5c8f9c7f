import Foundation
import JSONText

/// What `make local-model` installed: `.rpt-local/manifest.json` names the llama.cpp server
/// binary and each model's GGUF file, and may set the server's slots, threads and context. Its
/// numbers are checked like any file's: a wrong one is an error naming the key, not a trap.
public struct LocalManifest: Sendable {
    public var folder: URL
    public var server: String
    public var models: [String: String]
    /// Tokens of context each slot holds (the server gets slots x this as `-c`).
    public var slotContext: Int
    /// Server slots: requests it decodes together. rpt sends no more than this at once.
    public var parallel: Int
    /// Threads for generation and prompt processing.
    public var threads: Int

    /// What suits this machine when the manifest does not say. Threads: half the cores, as a
    /// tuning run often has two servers (target and optimizer) busy, and llama.cpp's threads
    /// wait for each other: on 2 busy cores, 2 threads each generated 0.5-0.8 tokens/s and 1
    /// thread 5 (BENCHMARKS.md). Slots: one per core, 2 to 8, since decoding a batch of
    /// sequences costs a CPU little more than decoding one.
    static func defaults(cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> (parallel: Int, threads: Int) {
        (min(8, max(2, cores)), max(1, cores / 2))
    }

    /// The server's flags. The KV cache of every slot keeps its last prompt, so a request that
    /// starts like the previous one (the same system text and instruction) is only read from
    /// where it differs (llama.cpp's prompt cache, on by default); `--cache-reuse` also reuses
    /// cached chunks that moved, e.g. after an edited instruction.
    func arguments(weights: String, port: Int) -> [String] {
        ["-m", weights, "--host", "127.0.0.1", "--port", String(port), "-c", String(slotContext * parallel),
         "-np", String(parallel), "-t", String(threads), "-tb", String(threads), "--cache-reuse", "256", "--no-webui"]
    }

    /// Where installed models are looked for: $RPT_LOCAL_DIR if set; else ./.rpt-local and the
    /// .rpt-local of the checkout this rpt was built in.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LocalManifest {
        var dirs: [URL] = []
        if let d = environment["RPT_LOCAL_DIR"], !d.isEmpty {
            dirs.append(URL(fileURLWithPath: d))                  // when set, the only place looked at
        } else {
            dirs.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".rpt-local"))
            let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            dirs.append(exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".rpt-local"))
        }
        for dir in dirs {
            let file = dir.appendingPathComponent("manifest.json")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            guard let v = try? JSON.decode(text), let server = v["server"]?.string, let models = v["models"]?.object else {
                throw ModelError(.config, "\(file.path) is not a local model manifest; run make local-model again")
            }
            return try LocalManifest(folder: dir, file: file.path, server: server, models: models.compactMapValues(\.string), v)
        }
        throw ModelError(.config, "no local model is installed (looked in \(dirs.map(\.path).joined(separator: ", "))): run make local-model")
    }

    init(folder: URL, file: String, server: String, models: [String: String], _ v: JSONValue) throws {
        func count(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let raw = v[key] else { return nil }
            guard let n = Checked.int(raw.number, in: range) else {
                throw ModelError(.config, "\(file): \(key) is \(JSON.encode(raw).prefix(40)), but must be a number from "
                                 + "\(range.lowerBound) to \(range.upperBound); fix it or run make local-model again")
            }
            return n
        }
        let machine = LocalManifest.defaults()
        let parallel = try count("parallel", 1...256) ?? machine.parallel
        // `context` (older manifests) is the server's whole context; `slot_context` is per slot.
        let slotContext = try count("slot_context", 1...(1 << 24)) ?? count("context", 1...(1 << 28)).map { $0 / parallel } ?? 8192
        self.folder = folder
        self.server = server
        self.models = models
        self.slotContext = max(512, slotContext)
        self.parallel = parallel
        self.threads = try count("threads", 1...1024) ?? machine.threads
    }
}
