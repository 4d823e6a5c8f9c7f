import Foundation
import Testing
import TestSupport

/// `rpt check` on the hostile packs in Tests/Fixtures/hostile (issue 10): each ends (in about
/// 1 s, the watchdog's in about 8 s; killed after 30 s on a loaded machine), with exit status 1
/// (not a signal) and a message that says what is wrong.
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
    func checkEndsWithAClearMessage(_ pack: String, _ message: String) async throws {
        let r = try await Self.run(["check", "Tests/Fixtures/hostile/\(pack)"])
        #expect(r.status == 1, "\(pack): exit \(r.status)\n\(r.out)\(r.err)")
        #expect(r.out.contains(message), "\(pack):\n\(r.out)")
        #expect(!r.err.contains("Program crashed"))
    }

    @Test func aPatternTheLimitsCannotInterruptIsStoppedByTheWatchdog() async throws {
        let r = try await Self.run(["check", "Tests/Fixtures/hostile/pattern-hang"])
        #expect(r.status == 3, "exit \(r.status)\n\(r.out)\(r.err)")
        #expect(r.err.contains("rpt: stopped: a task pack hook ran for twice its time limit inside one call into Lua's C library"))
    }

    /// Stopped (SIGSTOP) inside a hook for longer than the watchdog's line, then resumed: the
    /// hook's own time limit ends it, not the watchdog. The stop lands inside `render` because
    /// it waits until rpt has spent 0.3 s of CPU (loading and checking a pack takes 0.01 s); it
    /// is sent from a thread of its own, as other tests may keep the cooperative pool busy.
    @Test func aSuspendedCheckIsNotMistakenForAStuckOne() async throws {
        let dir = Scratch.url("suspend")
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Tests/Fixtures/hostile/tamper"), to: dir)
        // The watchdog's line is twice the time limit and at least 5 s past it: 10 s here.
        try #"""
            return {
              api = 1, name = "slow", data = "data/all.jsonl",
              prompt = { system = "s", instruction = "Say the label." },
              limits = { instructions = 1e9, seconds = 5 },
              render = function(ex) while true do end end,
              extract = function(reply) return reply end,
              score = function(answer, ex) return answer == ex.label end,
            }
            """#.write(to: dir.appendingPathComponent("task.lua"), atomically: true, encoding: .utf8)
        let (p, _) = try CLI.start(["check", dir.path], environment: [:])
        let pid = p.processIdentifier
        let stopped = try await offPool { () -> Bool in
            while p.isRunning && (Self.cpuSeconds(pid) ?? 0) < 0.3 { usleep(10_000) }
            guard kill(pid, SIGSTOP) == 0, p.isRunning else { return false }
            sleep(11)                                      // past the watchdog's line
            kill(pid, SIGCONT)
            return true
        }
        try #require(stopped, "rpt check ended before it was stopped inside render")
        if !(await eventually(timeout: 60) { !p.isRunning }) { p.terminate(); Issue.record("rpt check still running") }
        try await Child.exit(p)
        #expect(p.terminationStatus == 1)                  // the time limit, not the watchdog (3)
    }

    /// User plus system CPU seconds of a running process, from /proc.
    static func cpuSeconds(_ pid: pid_t) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")   // from field 3, the state
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test func theUserCanRaiseTheCeiling() async throws {
        let dir = Scratch.url("ceiling")
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Tests/Fixtures/hostile/tamper"), to: dir)
        let task = dir.appendingPathComponent("task.lua")
        let text = try String(contentsOf: task, encoding: .utf8).replacingOccurrences(of: "return {\n", with: "return {\n  limits = { seconds = 90 },\n")
        try text.write(to: task, atomically: true, encoding: .utf8)
        let refused = try await Self.run(["check", dir.path])
        #expect(refused.out.contains("'limits.seconds' = 90 is above the most a pack may ask for (60); the user can raise it with RPT_MAX_HOOK_LIMITS=seconds=90"))
        let raised = try await Self.run(["check", dir.path], environment: ["RPT_MAX_HOOK_LIMITS": "seconds=90"])
        #expect(raised.out.contains("ok    task.lua tamper"), "\(raised.out)")
    }

    /// Runs rpt, killing it (and recording an issue) if it is still running after 30 s.
    static func run(_ args: [String], environment: [String: String] = [:]) async throws -> (status: Int32, out: String, err: String) {
        let r = try await CLI.child(args, environment: environment).run(timeout: 30)
        if r.timedOut { Issue.record("rpt \(args.joined(separator: " ")) still running after 30 s") }
        return (r.status, r.out, r.err)
    }
}
