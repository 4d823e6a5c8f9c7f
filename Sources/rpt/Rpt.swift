import Foundation
import ArgumentParser
import PackSharing
import TaskPack
import Tuning

@main
struct Rpt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpt",
        abstract: "Reflective Prompt Tuning: make the prompt of a language-model task better.",
        version: "0.1.0",
        subcommands: [Check.self, New.self, Try.self, Eval.self, Tune.self, Export.self, Report.self, Compare.self, Serve.self, RunFolder.self,
                      Pack.self, Install.self, List.self, Show.self, Remove.self, Publish.self, Search.self]
    )

    /// Packs find the packs they declare with rpt.dependencies in the user's pack store, at the
    /// versions the project's rpt.lock pins.
    static func main() async {
        Dependencies.resolver = StoreDependencies(store: .standard(), lockFile: URL(fileURLWithPath: "rpt.lock"))
        await main(nil)
    }
}

/// For scripts (the Makefile's demo) that name a run folder before the run: the same name rpt
/// itself would give, so every folder in runs/ reads alike.
struct RunFolder: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-folder", abstract: "Print a new run folder name, runs/PARTS-YYYYMMDD-HHMMSS.", shouldDisplay: false)

    @Argument(help: "The parts of the name, e.g. demo snips-slots.") var parts: [String]

    func run() { print(RunStore.defaultFolder(parts)) }
}
