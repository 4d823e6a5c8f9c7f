import Foundation
import Synchronization
import Testing

/// Runs the built `rpt` binary as a user would.
struct CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The rpt next to the test bundle (same build), or RPT_BIN.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["RPT_BIN"] { return URL(fileURLWithPath: path) }
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("rpt")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/rpt")
    }

    static func run(_ args: String..., environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        try run(args, environment: environment)
    }

    /// Each rpt gets an empty shared response cache of its own unless the test gives one: replies
    /// another test's mock server gave must not answer this one (nor land in the user's cache).
    static func isolated(_ environment: [String: String]) -> [String: String] {
        var env = environment
        if env["RPT_CACHE_DIR"] == nil {
            env["RPT_CACHE_DIR"] = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-cli-cache-\(UUID().uuidString)").path
        }
        return env
    }

    /// Starts rpt without waiting for it (for tests that interrupt or kill it). Returns its stderr pipe.
    static func start(_ args: [String], environment: [String: String]) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = root
        p.environment = ProcessInfo.processInfo.environment.merging(isolated(environment)) { $1 }
        let err = Pipe()
        p.standardOutput = Pipe()
        p.standardError = err
        try p.run()
        return (p, err)
    }

    static func run(_ args: [String], environment: [String: String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for k in ["OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY"] { env[k] = nil }
        p.environment = env.merging(isolated(environment)) { $1 }
        p.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Both pipes are drained at once: a full stderr pipe would otherwise block rpt forever.
        let errData = Mutex(Data())
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errData.withLock { $0 = data }
            drained.signal()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        p.waitUntilExit()
        let e = errData.withLock { $0 }
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

@Suite struct CLITests {
    @Test func checkAShippedPack() throws {
        let r = try CLI.run("check", "tasks/banking77")
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.hasPrefix("rpt check tasks/banking77\n  ok    task.lua banking77 1.0.0"))
        #expect(r.out.hasSuffix("passed\n"))
    }

    @Test func checkABrokenPackExitsNonZeroWithTheProblems() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "return { api = 1, name = 'x', extact = 1 }".write(to: dir.appendingPathComponent("task.lua"), atomically: true, encoding: .utf8)
        let r = try CLI.run("check", dir.path)
        #expect(r.status == 1)
        #expect(r.out.contains("task.lua: unknown key 'extact' (did you mean 'extract'?)"))
        #expect(r.out.contains("task.lua: missing 'render'"))
        #expect(r.out.hasSuffix("failed\n"))
    }

    @Test func checkSomethingThatIsNotAFolder() throws {
        let r = try CLI.run("check", "no/such/pack")
        #expect(r.status != 0)
        #expect(r.err.contains("'no/such/pack' is not a folder"))
    }

    @Test func newThenCheckThenRefuseToOverwrite() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-cli-\(UUID().uuidString)/support-triage")
        let made = try CLI.run("new", dir.path)
        #expect(made.status == 0, "\(made.err)")
        #expect(made.out.contains("task.lua, data/train.jsonl"))
        let checked = try CLI.run("check", dir.path)
        #expect(checked.status == 0, "\(checked.out)")
        let again = try CLI.run("new", dir.path)
        #expect(again.status == 1)
        #expect(again.err.contains("already exists and is not empty"))
    }
}
