import CCurl
import DidYouMean
import Foundation
import JSONText
import Synchronization

/// The llama.cpp servers of `local:NAME` models, with weights that `make local-model` installed
/// into `.rpt-local/` (`LocalManifest`). A command starts the servers of the local models it names
/// (`start`) before it makes any client, owns the handle and stops them when it ends; a hub only
/// reads where they listen (`ModelConfig.localServers`) and never starts a process. A model that
/// `rpt serve` already serves is used as it is. Servers still running when rpt exits, or is
/// killed with SIGTERM or SIGHUP, are stopped then.
public final class LocalServers: Sendable {
    /// Where a server listens, and its slots: how many requests it works on at once. Sending more
    /// only queues them inside the server, where their wait would count against rpt's timeout.
    public struct Address: Sendable, Equatable {
        public var url: String
        public var slots: Int
    }

    public struct Server: Sendable {
        public let model: String
        public let address: Address
        /// Its log, when this process started it (nil: `rpt serve` runs it).
        public let log: URL?
        let process: ChildProcess?
    }

    public let servers: [Server]

    init(servers: [Server]) { self.servers = servers }

    /// The longest a server may take to load its weights and answer /health.
    static let readyTimeout = 180.0

    /// Makes sure each `local:NAME` among `models` has a ready server (other names are left to
    /// the hub), and records where in `config`. Servers this starts log into `logFolder` as
    /// `server-NAME.log` (a resumed run appends), else into a file of this process under the
    /// install's `logs/`; `starting` hears each model and log as its server starts (loading the
    /// weights takes a while). Blocks until all are ready: call it off the cooperative pool in tests.
    public static func start(_ models: [String], config: inout ModelConfig,
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             logFolder: URL? = nil, starting: (_ model: String, _ log: URL) -> Void = { _, _ in }) throws -> LocalServers {
        var names: [String] = []
        for name in models.compactMap({ try? ModelName(parsing: $0) }) where name.provider == "local" && !names.contains(name.model) {
            names.append(name.model)
        }
        guard !names.isEmpty else { return LocalServers(servers: []) }
        let manifest = try LocalManifest.load(environment: environment)
        var servers: [Server] = []
        do {
            // All are started before any is waited for: their weights load side by side.
            for model in names { servers.append(try launch(model, manifest: manifest, logFolder: logFolder, starting: starting)) }
            for server in servers { try waitUntilReady(server) }
        } catch {
            LocalServers(servers: servers).stop()
            throw error
        }
        for s in servers { config.localServers[s.model] = s.address }
        return LocalServers(servers: servers)
    }

    /// The server of `model`: the one `rpt serve` runs, else a new one on a free loopback port.
    static func launch(_ model: String, manifest: LocalManifest, logFolder: URL?, starting: (String, URL) -> Void) throws -> Server {
        guard let weights = manifest.models[model] else {
            throw ModelError(.config, "no local model '\(model)'" + Spelling.suggestion(for: model, among: Array(manifest.models.keys))
                + "; installed: \(manifest.models.keys.sorted().joined(separator: ", "))")
        }
        if let served = served(model, in: manifest.folder), healthy(served) {
            return Server(model: model, address: Address(url: served, slots: manifest.parallel), log: nil, process: nil)
        }
        let port = try freePort()
        let log = logFolder?.appendingPathComponent("server-\(model).log")
            ?? manifest.folder.appendingPathComponent("logs/server-\(model)-\(getpid()).log")
        try? FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        starting(model, log)
        let process = try ChildProcess(manifest.server, manifest.arguments(weights: weights, port: port), log: log.path)
        ExitHook.register(process)
        return Server(model: model, address: Address(url: "http://127.0.0.1:\(port)/v1", slots: manifest.parallel), log: log, process: process)
    }

    static func waitUntilReady(_ server: Server) throws {
        guard let process = server.process else { return }
        let deadline = Date().addingTimeInterval(readyTimeout)
        while !healthy(server.address.url) {
            guard process.isRunning else {
                throw ModelError(.config, "the local server for \(server.model) stopped while starting; see \(server.log?.path ?? "its log")")
            }
            guard Date() < deadline else {
                throw ModelError(.timeout, "the local server for \(server.model) was not ready in \(Int(readyTimeout)) s; see \(server.log?.path ?? "its log")")
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    public func server(for model: String) -> Server? { servers.first { $0.model == model } }

    /// Stops the servers this handle started (SIGTERM, then SIGKILL after 5 s); one `rpt serve`
    /// runs is left running.
    public func stop() {
        for process in servers.compactMap(\.process) {
            process.stop()
            ExitHook.forget(process)
        }
    }

    /// `rpt serve` records its server here so other rpt processes use it.
    public static func servedFile(_ model: String, in folder: URL) -> URL { folder.appendingPathComponent("serve-\(model).json") }

    static func served(_ model: String, in folder: URL) -> String? {
        (try? String(contentsOf: servedFile(model, in: folder), encoding: .utf8)).flatMap { try? JSON.decode($0) }?["url"]?.string
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

/// The servers started and not yet stopped, stopped when rpt exits or is killed: a plain `kill`
/// or a closed terminal must not leave llama-server running. (Ctrl-C is the commands' own.)
enum ExitHook {
    private static let running = Mutex<[pid_t: ChildProcess]>([:])
    private static let installed = Mutex(false)

    static func register(_ process: ChildProcess) {
        running.withLock { $0[process.pid] = process }
        install()
    }

    static func forget(_ process: ChildProcess) { _ = running.withLock { $0.removeValue(forKey: process.pid) } }

    static func stopAll() {
        for process in running.withLock({ s in defer { s.removeAll() }; return Array(s.values) }) { process.stop() }
    }

    private static func install() {
        guard installed.withLock({ done in defer { done = true }; return !done }) else { return }
        atexit { ExitHook.stopAll() }
        // Stop the servers, then die of the same signal.
        for sig in [SIGTERM, SIGHUP] {
            // A command that handles the signal itself (rpt serve) stops the servers itself; and
            // signal(SIG_IGN) now would unhook its dispatch source.
            var current = sigaction()
            guard sigaction(sig, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { continue }
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                ExitHook.stopAll()
                signal(sig, SIG_DFL)
                kill(getpid(), sig)                     // to the process: this thread blocks it
            }
            source.resume()
            _ = Unmanaged.passRetained(source as AnyObject)       // kept for the life of the process
        }
    }
}

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

    /// The checkout this rpt was built in: the folder holding the `.build` its binary runs from
    /// (`.build/debug/rpt` is a link to `.build/<triple>/debug/rpt`, so count no levels).
    static func checkout() -> URL? {
        let exe = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        while dir.path != "/" {
            if dir.lastPathComponent == ".build" { return dir.deletingLastPathComponent() }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Where installed models are looked for: $RPT_LOCAL_DIR if set; else ./.rpt-local and the
    /// .rpt-local of the checkout this rpt was built in.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LocalManifest {
        var dirs: [URL] = []
        if let d = environment["RPT_LOCAL_DIR"], !d.isEmpty {
            dirs.append(URL(fileURLWithPath: d))                  // when set, the only place looked at
        } else {
            dirs.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".rpt-local"))
            if let checkout = checkout() { dirs.append(checkout.appendingPathComponent(".rpt-local")) }
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
