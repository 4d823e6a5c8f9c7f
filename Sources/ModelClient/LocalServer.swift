import CCurl
import DidYouMean
import Foundation
import JSONText
import Synchronization

/// `local:NAME` models: a llama.cpp server with weights that `make local-model` installed into
/// `.rpt-local/` (its `manifest.json` names the server binary and each model's GGUF file). rpt
/// starts the server on a free loopback port when no `rpt serve` is running for that model, waits
/// until it is ready, and stops it when rpt exits.
public final class LocalServer: Sendable {
    public static let shared = LocalServer()

    public struct Manifest: Sendable {
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
    }

    private let running = Mutex<[String: (process: ChildProcess, url: String, log: URL)]>([:])
    /// Where servers started from now on keep their log (see `logFile`).
    private let logFolder = Mutex<URL?>(nil)

    /// Servers started from now on log into `folder` (a run or eval folder), so each run keeps
    /// its own server log beside its results.
    public func logServers(in folder: URL?) { logFolder.withLock { $0 = folder } }

    /// `server-MODEL.log` in the folder `logServers` named (a resumed run appends to it), else a
    /// file of this process under the install's `logs/`: never one that another run overwrites.
    func logFile(_ model: String, manifest: Manifest) -> URL {
        if let folder = logFolder.withLock({ $0 }) { return folder.appendingPathComponent("server-\(model).log") }
        return manifest.folder.appendingPathComponent("logs/server-\(model)-\(getpid()).log")
    }

    /// The log of the server this process started for `model`, if it started one.
    public func log(of model: String) -> URL? { running.withLock { $0[model]?.log } }

    /// Where installed models are looked for: $RPT_LOCAL_DIR if set; else ./.rpt-local and the
    /// .rpt-local of the checkout this rpt was built in.
    public static func manifest(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Manifest {
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
            let machine = Manifest.defaults()
            let parallel = v["parallel"]?.number.map { max(1, Int($0)) } ?? machine.parallel
            // `context` (older manifests) is the server's whole context; `slot_context` is per slot.
            let slotContext = v["slot_context"]?.number.map { Int($0) } ?? v["context"]?.number.map { Int($0) / parallel } ?? 8192
            return Manifest(folder: dir, server: server, models: models.compactMapValues(\.string), slotContext: max(512, slotContext),
                            parallel: parallel, threads: v["threads"]?.number.map { max(1, Int($0)) } ?? machine.threads)
        }
        throw ModelError(.config, "no local model is installed (looked in \(dirs.map(\.path).joined(separator: ", "))): run make local-model")
    }

    /// The base URL of a ready server for `model`, starting one if needed, and its slots: how
    /// many requests it works on at once. Sending more only queues them inside the server, where
    /// their wait would count against rpt's timeout.
    /// `starting` hears the log file when a server is started (loading weights takes a while).
    public func endpoint(for model: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                         starting: (URL) -> Void = { _ in }) throws -> (url: String, slots: Int) {
        let manifest = try LocalServer.manifest(environment: environment)
        return (try baseURL(for: model, manifest: manifest, starting: starting), manifest.parallel)
    }

    /// The base URL of a ready server for `model`, starting one if needed.
    public func baseURL(for model: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        try baseURL(for: model, manifest: LocalServer.manifest(environment: environment))
    }

    func baseURL(for model: String, manifest: Manifest, starting: (URL) -> Void = { _ in }) throws -> String {
        if let url = running.withLock({ $0[model]?.url }) { return url }
        guard let weights = manifest.models[model] else {
            throw ModelError(.config, "no local model '\(model)'" + Spelling.suggestion(for: model, among: Array(manifest.models.keys))
                + "; installed: \(manifest.models.keys.sorted().joined(separator: ", "))")
        }
        if let served = LocalServer.served(model, in: manifest.folder), LocalServer.healthy(served) { return served }
        let port = try LocalServer.freePort()
        let log = logFile(model, manifest: manifest)
        try? FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        starting(log)
        let process = try ChildProcess(manifest.server, manifest.arguments(weights: weights, port: port), log: log.path)
        let url = "http://127.0.0.1:\(port)/v1"
        running.withLock { $0[model] = (process, url, log) }
        LocalServer.registerExitHook()
        let deadline = Date().addingTimeInterval(180)
        while !LocalServer.healthy(url) {
            guard process.isRunning else {
                running.withLock { $0[model] = nil }
                throw ModelError(.config, "the local server for \(model) stopped while starting; see \(log.path)")
            }
            guard Date() < deadline else {
                stop(model)
                throw ModelError(.timeout, "the local server for \(model) was not ready in 180 s; see \(log.path)")
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return url
    }

    public func stop(_ model: String) {
        running.withLock { $0.removeValue(forKey: model)?.process }?.stop()
    }

    public func stopAll() {
        for model in running.withLock({ Array($0.keys) }) { stop(model) }
    }

    /// `rpt serve` records its server here so other rpt processes use it.
    public static func servedFile(_ model: String, in folder: URL) -> URL { folder.appendingPathComponent("serve-\(model).json") }

    static func served(_ model: String, in folder: URL) -> String? {
        (try? String(contentsOf: servedFile(model, in: folder), encoding: .utf8)).flatMap { try? JSON.decode($0) }?["url"]?.string
    }

    private static let exitHook = Mutex(false)
    private static func registerExitHook() {
        let first = exitHook.withLock { done -> Bool in defer { done = true }; return !done }
        guard first else { return }
        atexit { LocalServer.shared.stopAll() }
        // A plain `kill` or a closed terminal must not leave llama-server running: stop the
        // servers, then die of the same signal. (Ctrl-C is the commands' own to handle.)
        for sig in [SIGTERM, SIGHUP] {
            // A command that handles the signal itself (rpt serve) stops the servers itself; and
            // signal(SIG_IGN) now would unhook its dispatch source.
            var current = sigaction()
            guard sigaction(sig, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { continue }
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                LocalServer.shared.stopAll()
                signal(sig, SIG_DFL)
                kill(getpid(), sig)                     // to the process: this thread blocks it
            }
            source.resume()
            _ = Unmanaged.passRetained(source as AnyObject)       // kept for the life of the process
        }
    }

    /// GET {base}/../health answers 200 (llama.cpp's readiness endpoint).
    public static func healthy(_ baseURL: String) -> Bool {
        let root = baseURL.hasSuffix("/v1") ? String(baseURL.dropLast(3)) : baseURL
        guard let h = curl_easy_init() else { return false }
        defer { curl_easy_cleanup(h) }
        _ = rpt_curl_setopt_string(h, CURLOPT_URL, root + "/health")
        _ = rpt_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = rpt_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, 2000)
        _ = rpt_curl_setopt_write(h, CURLOPT_WRITEFUNCTION) { _, size, n, _ in size * n }   // drop the body
        guard curl_easy_perform(h) == CURLE_OK else { return false }
        var status = 0
        _ = rpt_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        return status == 200
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw ModelError(.config, "no free loopback port for the local server") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
