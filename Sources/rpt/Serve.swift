import ArgumentParser
import Foundation
import LuaHost
import ModelClient

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep a local model's server running, so rpt commands use it without starting their own.")

    @Argument(help: "The local model, local:NAME (see .rpt-local/manifest.json).") var model: String

    func run() throws {
        let name = try ModelName(parsing: model)
        guard name.provider == "local" else { throw ValidationError("rpt serve runs local models: local:NAME") }
        // Before the server starts: on Linux a later signal(SIG_IGN) would unhook the dispatch
        // sources already made for that signal (LocalServers' own SIGTERM handler, for one).
        let stop = DispatchSemaphore(value: 0)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { stop.signal() }
            s.resume()
            return s
        }
        let manifest = try LocalManifest.load()
        var config = ModelConfig.builtIn
        let servers = try LocalServers.start([model], config: &config)
        guard let server = servers.server(for: name.model) else { return }
        let url = server.address.url
        let file = LocalServers.servedFile(name.model, in: manifest.folder)
        try (JSON.encode(["url": .string(url), "pid": .int(Int64(getpid()))]) + "\n").write(to: file, atomically: true, encoding: .utf8)
        let log = server.log.map { "; its log: \($0.path)" } ?? ""
        print("serving \(model) at \(url) (OpenAI-compatible\(log)); Ctrl-C stops it")
        stop.wait()
        sources.forEach { $0.cancel() }
        try? FileManager.default.removeItem(at: file)
        servers.stop()
    }
}
