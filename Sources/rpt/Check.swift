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
            judge's reason); it fails unless all do. Its verdicts are kept in the response cache (--no-cache asks again).
            """)

    @Argument(help: "The task pack folder (the one holding task.lua), or NAME[@VERSION] of an installed pack.")
    var pack: String

    // Not eval's --judge (JudgeOption): here the judge is what is checked, so there is no default.
    @Option(help: ModelName.help("Put the judged cases of tests/judge.lua to this judge model and report its agreement."))
    var judge: ModelName?

    @OptionGroup var caching: CacheOption
    @OptionGroup var logging: HookLogOption
    @OptionGroup var parameters: SetOption
    @Flag(help: "List every problem (by default the first \(PackCheck.listed)).")
    var all = false

    func validate() throws {
        _ = try PackArgument.folder(pack)
    }

    func run() async throws {
        let status = StatusLine()
        let dir = try PackArgument.folder(pack)
        var check = PackCheck.run(directory: dir, progress: status.report, log: logging.verbose ? HookLog(echo: true) : nil,
                                  set: try parameters.values)
        status.finish()
        if let judge, let runtime = try? PackRuntime(directory: dir, set: try parameters.values) {
            if runtime.spec.judge == nil {
                check.note("agree", "the pack has no judge, so --judge \(judge) is not used")
            } else if check.judgeCases.isEmpty {
                check.note("agree", "no judged cases to put to \(judge): add them to \(JudgeCases.file)")
            } else {
                var config = try ModelConfig.load(packDirectory: dir)
                let servers = try LocalModels.start([judge.description], config: &config)
                defer { servers.stop() }
                let hub = try ModelHub(config: config, cache: try caching.shared())
                hub.onNotice { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
                guard let judging = try Tuner.judge(judge.description, spec: runtime.spec, hub: hub) else { return }
                let findings = try await JudgeAgreement.run(check.judgeCases, runtime: runtime, judge: judging)
                JudgeAgreement.report(findings, judge: judge.description, ledger: hub.ledger, into: &check)
            }
        }
        print(check.render(pack: pack, all: all), terminator: "")
        if !check.passed { throw ExitCode.failure }
    }
}
