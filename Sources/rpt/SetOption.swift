import ArgumentParser
import TaskPack

/// `--set NAME=VALUE`: the one way a pack receives anything from the command line, and only
/// strings it declared (`rpt.parameters` in task.lua). Shared by the commands that load a pack.
enum SetOption {
    static let help = ArgumentHelp("Set a parameter the pack declares, NAME=VALUE (repeatable; rpt check shows them).",
                                   valueName: "name=value")

    static func values(_ options: [String]) throws -> [String: String] {
        do { return try PackParameters.parse(options) } catch { throw ValidationError(error.description) }
    }
}
