import ArgumentParser
import Foundation
import TaskPack

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a task pack without any model: its table, data, own tests and gold replies.")

    @Argument(help: "The task pack folder (the one holding task.lua), or NAME[@VERSION] of an installed pack.")
    var pack: String

    @Flag(name: .shortAndLong, help: "Show the pack's hook logs (print, rpt.log) on stderr, each line with its hook and example.")
    var verbose = false

    @Option(name: .customLong("set"), help: SetOption.help) var parameters: [String] = []
    @Flag(help: "List every problem (by default the first \(PackCheck.listed)).")
    var all = false

    func validate() throws {
        _ = try PackArgument.folder(pack)
        _ = try SetOption.values(parameters)
    }

    func run() throws {
        let status = StatusLine()
        let check = PackCheck.run(directory: try PackArgument.folder(pack), progress: status.report,
                                  log: verbose ? HookLog(echo: true) : nil, set: try SetOption.values(parameters))
        status.finish()
        print(check.render(pack: pack, all: all), terminator: "")
        if !check.passed { throw ExitCode.failure }
    }
}
