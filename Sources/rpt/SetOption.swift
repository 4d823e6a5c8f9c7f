import ArgumentParser
import TaskPack

/// `--set NAME=VALUE`: the one way a pack receives anything from the command line, and only
/// strings it declared (`rpt.parameters` in task.lua). Shared by the commands that load a pack.
struct SetOption: ParsableArguments {
    static let help = ArgumentHelp("Set a parameter the pack declares, NAME=VALUE (repeatable; rpt check shows them).",
                                   valueName: "name=value")

    @Option(name: .customLong("set"), help: SetOption.help) var parameters: [String] = []

    /// The values given, by name (checked by validate before any command runs).
    var values: [String: String] { get throws { try Self.values(parameters) } }

    func validate() throws { _ = try values }

    static func values(_ options: [String]) throws -> [String: String] {
        do { return try PackParameters.parse(options) } catch { throw ValidationError(error.description) }
    }
}
