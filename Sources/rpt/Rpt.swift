import ArgumentParser

@main
struct Rpt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpt",
        abstract: "Reflective Prompt Tuning: make the prompt of a language-model task better.",
        version: "0.1.0",
        subcommands: [Check.self, New.self, Try.self, Eval.self, Tune.self, Serve.self]
    )
}
