import Foundation
import Testing
import TestSupport
import MockModels

/// The hooks' `print` and `rpt.log` lines: always in hooks.log of the eval or run folder, on
/// stderr with -v, each line naming its hook and example; capped whatever the pack prints.
@Suite struct HookLogCLITests {
    func temp(_ name: String) -> String {
        Scratch.path("cli-" + name)
    }

    static let rows = (1...4).map { HostilePack.row("d\($0)", "w\($0)") }

    func pack(extract: String = "print('extract saw', reply)\n  return reply") throws -> URL {
        try HostilePack.make(dev: Self.rows, files: ["task.lua": TryCLITests.task(extract: extract)])
    }

    @Test func evalWritesHooksLogAndShowsItWithVerbose() async throws {
        let server = try MockServer { HostilePack.echo($0) }
        defer { server.stop() }
        let pack = try pack()
        let out = temp("eval")
        let quiet = try await CLI.run(["eval", pack.path, "--target", "openai:m", "--base-url", server.baseURL, "--out", out, "--no-cache"],
                                environment: ["OPENAI_API_KEY": "k", "RPT_PROGRESS_SECONDS": "3600"])
        #expect(quiet.status == 0, "\(quiet.err)")
        let log = try String(contentsOfFile: out + "/hooks.log", encoding: .utf8)
        for i in 1...4 {
            #expect(log.contains("[render d\(i)] info: rendering d\(i)\n"))
            #expect(log.contains("[extract d\(i)] info: extract saw\tw\(i)\n"))
            #expect(log.contains("[score d\(i)] warn: scoring w\(i)\n"))
        }
        #expect(!quiet.err.contains("rendering d1"))
        #expect(quiet.err.contains("the pack's hooks logged 12 lines to \(out)/hooks.log; -v shows them as they come"))

        let out2 = temp("eval-v")
        let loud = try await CLI.run(["eval", pack.path, "--target", "openai:m", "--base-url", server.baseURL, "--out", out2, "--no-cache", "-v"],
                               environment: ["OPENAI_API_KEY": "k", "RPT_PROGRESS_SECONDS": "3600"])
        #expect(loud.status == 0, "\(loud.err)")
        #expect(loud.err.contains("[render d3] info: rendering d3\n"))
        #expect(loud.err.contains("[extract d2] info: extract saw\tw2\n"), "\(loud.err)")
        // The same lines (examples are scored as replies come, so their order may differ).
        let again = try String(contentsOfFile: out2 + "/hooks.log", encoding: .utf8)
        #expect(again.split(separator: "\n").sorted() == log.split(separator: "\n").sorted())
    }

    @Test func checkShowsHookLogsWithVerbose() async throws {
        let pack = try pack()
        let quiet = try await CLI.run("check", pack.path)
        #expect(!quiet.err.contains("rendering"))
        let loud = try await CLI.run("check", "-v", pack.path)
        #expect(loud.err.contains("[render d1] info: rendering d1\n"), "\(loud.err)")
        #expect(loud.err.contains("[render x1] info: rendering x1\n"))
    }

    @Test func tuneWritesHooksLogInTheRunFolder() async throws {
        let server = try MockServer { HostilePack.echo($0) }
        defer { server.stop() }
        let pack = try pack()
        let folder = temp("tune")
        let r = try await CLI.run(["tune", pack.path, "--target", "openai:t", "--base-url", server.baseURL, "--rounds", "1", "--run", folder, "-v"],
                            environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        let log = try String(contentsOfFile: folder + "/hooks.log", encoding: .utf8)
        #expect(log.contains("[extract d1] info: extract saw\tw1\n"))
        #expect(log.contains("[extract x1] info: extract saw\ta\n"))          // the final test run
        #expect(r.err.contains("[score d4] warn: scoring w4\n"))
    }

    @Test func aPackPrintingForeverCannotFillTheDisk() async throws {
        let server = try MockServer { HostilePack.echo($0) }
        defer { server.stop() }
        // 17 MB of lines from one example, with limits loose enough that a busy machine does not
        // stop the hook first (a debug build on two loaded cores took over 60 s), so above the
        // ceiling a pack may ask for alone (a hook printing until its limit stops it: HookLogTests
        // and TryCLITests).
        let flood = "for i = 1, 4300 do print(string.rep('x', 4000)) end\n  return reply"
        let pack = try HostilePack.make(dev: [HostilePack.row("d1", "w1")],
                                        files: ["task.lua": TryCLITests.task(extract: flood, limits: "limits = { seconds = 900 },")])
        let out = temp("flood")
        let r = try await CLI.run(["eval", pack.path, "--target", "openai:m", "--base-url", server.baseURL, "--out", out, "--no-cache"],
                            environment: ["OPENAI_API_KEY": "k", "RPT_MAX_HOOK_LIMITS": "seconds=900"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("score          1.000"), "\(r.out)")
        let size = try FileManager.default.attributesOfItem(atPath: out + "/hooks.log")[.size] as! Int
        #expect(size > 15 << 20 && size <= (16 << 20) + 1000)
        let tail = try String(contentsOfFile: out + "/hooks.log", encoding: .utf8).suffix(200)
        #expect(tail.hasSuffix("rpt: hook log truncated: the pack logged more than 16 MB; later lines are dropped\n"))
        #expect(r.err.contains("(truncated at 16 MB:"), "\(r.err)")
    }
}
