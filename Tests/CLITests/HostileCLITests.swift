import Foundation
import Testing

/// `rpt check` on the hostile packs in Tests/Fixtures/hostile (issue 10): each ends within 10 s,
/// with exit status 1 (not a signal) and a message that says what is wrong.
@Suite struct HostileCLITests {
    static let cases: [(String, String)] = [
        ("function-in-list", "task.lua: unknown key 'helpers'"),
        ("finalizer-loop", "setmetatable: __gc (finalizers) is not available in a task pack"),
        ("xpcall-loop", "stopped after 5 of 30 examples: extract hit the instruction limit on 5 in a row"),
        ("shared-table", "while rpt converted a value"),
        ("huge-limits", "'limits.instructions' = 1e+300 is above the most a pack may ask for"),
        ("tamper", "gold     mean score 0.0000 over 30 examples"),
    ]

    @Test(arguments: cases)
    func checkEndsWithAClearMessage(_ pack: String, _ message: String) throws {
        let r = try Self.run(["check", "Tests/Fixtures/hostile/\(pack)"], timeout: 10)
        #expect(r.status == 1, "\(pack): exit \(r.status)\n\(r.out)\(r.err)")
        #expect(r.out.contains(message), "\(pack):\n\(r.out)")
        #expect(!r.err.contains("Program crashed"))
    }

    @Test func aPatternTheLimitsCannotInterruptIsStoppedByTheWatchdog() throws {
        let r = try Self.run(["check", "Tests/Fixtures/hostile/pattern-hang"], timeout: 10)
        #expect(r.status == 3, "exit \(r.status)\n\(r.out)\(r.err)")
        #expect(r.err.contains("rpt: stopped: a task pack hook ran for twice its time limit inside one call into Lua's C library"))
    }

    @Test func aSuspendedCheckIsNotMistakenForAStuckOne() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-suspend-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Tests/Fixtures/hostile/tamper"), to: dir)
        try #"""
            return {
              api = 1, name = "slow", data = "data/all.jsonl",
              prompt = { system = "s", instruction = "Say the label." },
              limits = { instructions = 1e9, seconds = 0.5 },
              render = function(ex) while true do end end,
              extract = function(reply) return reply end,
              score = function(answer, ex) return answer == ex.label end,
            }
            """#.write(to: dir.appendingPathComponent("task.lua"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["check", dir.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(200_000)                                    // inside the first render call
        kill(p.processIdentifier, SIGSTOP)
        sleep(6)                                           // past the watchdog's line
        kill(p.processIdentifier, SIGCONT)
        let deadline = Date().addingTimeInterval(8)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate(); Issue.record("rpt check still running") }
        p.waitUntilExit()
        #expect(p.terminationStatus == 1)                  // the time limit, not the watchdog (3)
    }

    @Test func theUserCanRaiseTheCeiling() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-ceiling-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Tests/Fixtures/hostile/tamper"), to: dir)
        let task = dir.appendingPathComponent("task.lua")
        let text = try String(contentsOf: task, encoding: .utf8).replacingOccurrences(of: "return {\n", with: "return {\n  limits = { seconds = 90 },\n")
        try text.write(to: task, atomically: true, encoding: .utf8)
        let refused = try Self.run(["check", dir.path], timeout: 10)
        #expect(refused.out.contains("'limits.seconds' = 90 is above the most a pack may ask for (60); the user can raise it with RPT_MAX_HOOK_LIMITS=seconds=90"))
        let raised = try Self.run(["check", dir.path], environment: ["RPT_MAX_HOOK_LIMITS": "seconds=90"], timeout: 10)
        #expect(raised.out.contains("ok    task.lua tamper"), "\(raised.out)")
    }

    /// Runs rpt, killing it (and recording an issue) if it is still running after `timeout` seconds.
    static func run(_ args: [String], environment: [String: String] = [:], timeout: Double) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args
        p.currentDirectoryURL = CLI.root
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-out-\(UUID().uuidString)")
        let errFile = outFile.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: outFile)
        p.standardError = try FileHandle(forWritingTo: errFile)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            p.terminate()
            Issue.record("rpt \(args.joined(separator: " ")) still running after \(timeout) s")
        }
        p.waitUntilExit()
        let out = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        return (p.terminationStatus, out, err)
    }
}
