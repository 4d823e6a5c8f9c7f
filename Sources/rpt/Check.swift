import ArgumentParser
import Foundation
import ModelClient
import TaskPack
import Tuning

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a task pack without any model: its table, data, own tests and gold replies.",
        discussion: """
            With --judge MODEL, the judged cases of tests/judge.lua also go to that judge model, and the check \
            reports how many of its verdicts fall in the range each case expects (each disagreement with the \
            judge's reason); it fails unless all do.
            """)

    @Argument(help: "The task pack folder (the one holding task.lua), or NAME[@VERSION] of an installed pack.")
    var pack: String

    @Option(help: "Put the judged cases of tests/judge.lua to this judge model, provider:model, and report its agreement.")
    var judge: String?

    @Flag(help: "With --judge: do not read or write the response cache.") var noCache = false

    @Flag(name: .shortAndLong, help: "Show the pack's hook logs (print, rpt.log) on stderr, each line with its hook and example.")
    var verbose = false

    @Option(name: .customLong("set"), help: SetOption.help) var parameters: [String] = []
    @Flag(help: "List every problem (by default the first \(PackCheck.listed)).")
    var all = false

    func validate() throws {
        _ = try PackArgument.folder(pack)
        if let judge { do { _ = try ModelName(parsing: judge) } catch let e as ModelError { throw ValidationError("--judge: \(e.message)") } }
        _ = try SetOption.values(parameters)
    }

    func run() async throws {
        let status = StatusLine()
        let dir = try PackArgument.folder(pack)
        var check = PackCheck.run(directory: dir, progress: status.report, log: verbose ? HookLog(echo: true) : nil,
                                  set: try SetOption.values(parameters))
        status.finish()
        if let judge, let runtime = try? PackRuntime(directory: dir, set: try SetOption.values(parameters)) {
            if runtime.spec.judge == nil {
                check.note("agree", "the pack has no judge, so --judge \(judge) is not used")
            } else if check.judgeCases.isEmpty {
                check.note("agree", "no judged cases to put to \(judge): add them to \(JudgeCases.file)")
            } else {
                var config = try ModelConfig.load(packDirectory: dir)
                let servers = try LocalModels.start([judge], config: &config)
                defer { servers.stop() }
                let hub = try ModelHub(config: config, cache: noCache ? nil : try ResponseCache(path: ResponseCache.defaultPath()))
                hub.onNotice { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
                guard let judging = try Tuner.judge(judge, spec: runtime.spec, hub: hub) else { return }
                let findings = try await JudgeAgreement.run(check.judgeCases, runtime: runtime, judge: judging)
                JudgeAgreement.report(findings, judge: judge, ledger: hub.ledger, into: &check)
            }
        }
        print(check.render(pack: pack, all: all), terminator: "")
        if !check.passed { throw ExitCode.failure }
    }
}
