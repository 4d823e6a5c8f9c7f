import Foundation
import Testing
import TestSupport

/// Runs the built `rpt` binary as a user would.
struct CLI {
    static let root = repoRoot

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

    /// rpt in the repository root, with no key or base URL from the caller's environment.
    static func child(_ args: [String], environment: [String: String], directory: URL? = nil) -> Child {
        var env = ProcessInfo.processInfo.environment
        for k in ["OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY"] { env[k] = nil }
        return Child(binary, args, environment: env.merging(isolated(environment)) { $1 }, directory: directory ?? root)
    }

    static func run(_ args: String..., environment: [String: String] = [:]) async throws -> (status: Int32, out: String, err: String) {
        try await run(args, environment: environment)
    }

    /// `directory`: where rpt runs (default the repository root), e.g. a project with its rpt.lock.
    static func run(_ args: [String], environment: [String: String], directory: URL? = nil) async throws -> (status: Int32, out: String, err: String) {
        let r = try await child(args, environment: environment, directory: directory).run()
        return (r.status, r.out, r.err)
    }

    /// Each rpt gets an empty shared response cache of its own unless the test gives one: replies
    /// another test's mock server gave must not answer this one (nor land in the user's cache).
    static func isolated(_ environment: [String: String]) -> [String: String] {
        var env = environment
        if env["RPT_CACHE_DIR"] == nil {
            env["RPT_CACHE_DIR"] = Scratch.path("cli-cache")
        }
        return env
    }

    /// Starts rpt without waiting for it (for tests that interrupt or kill it). Returns its stderr pipe.
    static func start(_ args: [String], environment: [String: String]) throws -> (Process, Pipe) {
        let running = try child(args, environment: environment).start()
        return (running.process, running.err!)
    }
}

@Suite struct CLITests {
    @Test func checkAShippedPack() async throws {
        let r = try await CLI.run("check", "tasks/banking77")
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.hasPrefix("rpt check tasks/banking77\n  ok    task.lua banking77 1.0.0"))
        #expect(r.out.hasSuffix("passed\n"))
    }

    @Test func checkABrokenPackExitsNonZeroWithTheProblems() async throws {
        let dir = try Scratch.folder("cli")
        try "return { api = 1, name = 'x', extact = 1 }".write(to: dir.appendingPathComponent("task.lua"), atomically: true, encoding: .utf8)
        let r = try await CLI.run("check", dir.path)
        #expect(r.status == 1)
        #expect(r.out.contains("task.lua: unknown key 'extact' (did you mean 'extract'?)"))
        #expect(r.out.contains("task.lua: missing 'render'"))
        #expect(r.out.hasSuffix("failed\n"))
    }

    @Test func checkSomethingThatIsNotAFolder() async throws {
        let r = try await CLI.run("check", "no/such/pack")
        #expect(r.status != 0)
        #expect(r.err.contains("'no/such/pack' is not a folder"))
    }

    @Test func newThenCheckThenRefuseToOverwrite() async throws {
        let dir = Scratch.url("cli").appendingPathComponent("support-triage")
        let made = try await CLI.run("new", dir.path)
        #expect(made.status == 0, "\(made.err)")
        #expect(made.out.contains("task.lua, data/train.jsonl"))
        let checked = try await CLI.run("check", dir.path)
        #expect(checked.status == 0, "\(checked.out)")
        let again = try await CLI.run("new", dir.path)
        #expect(again.status == 1)
        #expect(again.err.contains("already exists and is not empty"))
    }
}
