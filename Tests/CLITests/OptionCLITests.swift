import Foundation
import Testing
import LuaHost
import MockModels
import TestSupport

/// The options are typed and bounded (issue 12): a hostile value on the command line is refused
/// by the parser or the option's own check (exit 64, before any pack is loaded or model called),
/// with a message naming the option, the value and what it must be. None traps.
@Suite struct OptionCLITests {
    static let seedRange = "a seed is a whole number from 0 to 18446744073709551615"

    /// (arguments after the command's pack and target, the message). Each is one hostile value.
    static let hostile: [(command: String, args: [String], said: String)] = [
        ("eval", ["--max-tokens", "0"], "--max-tokens is 0, but must be a whole number from 1 to 100000000"),
        ("eval", ["--max-tokens", "100000001"], "--max-tokens is 100000001, but must be"),
        ("tune", ["--max-tokens", "0"], "--max-tokens is 0, but must be a whole number from 1 to 100000000"),
        ("tune", ["--optimizer-max-tokens", "0"], "--optimizer-max-tokens is 0, but must be a whole number from 1 to 100000000"),
        ("compare", ["--max-tokens", "-5"], "--max-tokens is -5, but must be"),
        ("try", ["--max-tokens", "0"], "--max-tokens is 0, but must be"),
        ("eval", ["--budget-tokens", "-1"], "--budget-tokens is -1, but must be a whole number from 1 to 1000000000000"),
        ("tune", ["--budget-tokens", "0"], "--budget-tokens is 0, but must be a whole number from 1 to 1000000000000"),
        ("eval", ["--budget-tokens", "99999999999999999999"], "The value '99999999999999999999' is invalid for '--budget-tokens <n>'"),
        ("eval", ["--budget-cost", "-1"], "--budget-cost is -1.0, but must be US dollars, 0 or more"),
        ("eval", ["--budget-cost", "nan"], "--budget-cost is nan, but must be US dollars, 0 or more"),
        ("tune", ["--budget-cost", "inf"], "--budget-cost is inf, but must be US dollars, 0 or more"),
        ("eval", ["--budget-seconds", "0"], "--budget-seconds is 0.0, but must be a number of seconds above 0, at most 1000000000"),
        ("eval", ["--budget-seconds", "inf"], "--budget-seconds is inf, but must be a number of seconds above 0"),
        ("eval", ["--budget-seconds", "1e300"], "--budget-seconds is 1e+300, but must be a number of seconds above 0"),
        ("tune", ["--budget-seconds", "nan"], "--budget-seconds is nan, but must be a number of seconds above 0"),
        ("tune", ["--rounds", "1000000000"], "--rounds is 1000000000, but must be a whole number from 1 to 10000"),
        ("tune", ["--rounds", "0"], "--rounds is 0, but must be a whole number from 1 to 10000"),
        ("tune", ["--candidates", "0"], "--candidates is 0, but must be a whole number from 1 to 100"),
        ("tune", ["--patience", "-1"], "--patience is -1, but must be a whole number from 1 to 10000"),
        ("tune", ["--tool-calls", "100000"], "--tool-calls is 100000, but must be a whole number from 1 to 1000"),
        ("tune", ["--train-sample", "-5"], "--train-sample is -5, but must be a whole number from 0 to 10000000"),
        ("tune", ["--dev-limit", "0"], "--dev-limit is 0, but must be a whole number from 1 to 10000000"),
        ("tune", ["--test-limit", "-1"], "--test-limit is -1, but must be"),
        ("tune", ["--level", "nan"], "--level is nan, but must be a confidence between 0.5 and 1"),
        ("tune", ["--level", "1"], "--level is 1.0, but must be a confidence between 0.5 and 1"),
        ("eval", ["--limit", "0"], "--limit is 0, but must be a whole number, at least 1"),
        ("compare", ["--limit", "-3"], "--limit is -3, but must be a whole number, at least 1"),
        ("eval", ["--limit", "99999999999999999999"], "The value '99999999999999999999' is invalid for '--limit <n>'"),
        ("eval", ["--seed", "-1"], seedRange),
        ("eval", ["--seed", "18446744073709551616"], seedRange),
        ("compare", ["--seed", "-1"], seedRange),
        ("tune", ["--seed", "-1"], seedRange),
        ("tune", ["--seed", "1.5"], seedRange),
        ("tune", ["--seed", "99999999999999999999"], seedRange),
        ("eval", ["--temperature", "-1"], "--temperature is -1.0, but must be a number from 0 to 2"),
        ("eval", ["--temperature", "nan"], "--temperature is nan, but must be a number from 0 to 2"),
        ("try", ["--temperature", "3"], "--temperature is 3.0, but must be a number from 0 to 2"),
        ("eval", ["--min-score", "nan"], "--min-score is nan, but must be a score from 0 to 1"),
        ("eval", ["--base-url", "ftp://example.com/v1"], "--base-url must be an http:// or https:// URL"),
        ("tune", ["--base-url", "file:///etc/passwd"], "--base-url must be an http:// or https:// URL"),
        ("eval", ["--set", "1x=2"], "'1x' is not a parameter name"),
        ("tune", ["--set", "subtask"], "--set takes NAME=VALUE"),
    ]

    /// The pack and a well-formed target (compare needs two things to compare).
    static func base(_ command: String) -> [String] {
        [command, "tasks/banking77", "--target", "openai:m"] + (command == "compare" ? ["--target", "openai:n"] : [])
    }

    @Test(arguments: hostile)
    func aHostileNumberIsRefusedNamingItsBounds(_ c: (command: String, args: [String], said: String)) async throws {
        let r = try await CLI.run(Self.base(c.command) + c.args + (c.command == "tune" ? ["--dry-run"] : []), environment: [:])
        #expect(r.status == 64, "\(c.command) \(c.args): exit \(r.status)\n\(r.err)")
        #expect(r.err.contains(c.said), "\(c.command) \(c.args):\n\(r.err)")
    }

    /// Every model option is a `ModelName`: the parser refuses a name without a provider, saying
    /// the forms it takes (tune's dry run used to accept one and estimate for it).
    @Test(arguments: [("eval", "--target"), ("eval", "--judge"), ("compare", "--target"), ("try", "--target"), ("try", "--judge"),
                      ("tune", "--target"), ("tune", "--optimizer"), ("tune", "--critic"), ("tune", "--also-target"), ("tune", "--judge"),
                      ("check", "--judge")])
    func aModelNameWithoutItsProviderIsRefusedByTheParser(_ command: String, _ option: String) async throws {
        let target = option == "--target" || command == "check" ? [] : ["--target", "openai:m"]
        let r = try await CLI.run([command, "tasks/banking77"] + target + [option, "gpt-4.1-mini"] + (command == "tune" ? ["--dry-run"] : []),
                                  environment: [:])
        #expect(r.status == 64, "\(command) \(option): exit \(r.status)\n\(r.out)\(r.err)")
        #expect(r.err.contains("The value 'gpt-4.1-mini' is invalid for '\(option) <provider:model>'"), "\(r.err)")
        #expect(r.err.contains("Please provide one of 'openai:MODEL', 'anthropic:MODEL', 'local:NAME', 'replay:CASSETTE'"), "\(r.err)")
    }

    @Test func helpStatesEachOptionsType() async throws {
        let eval = try await CLI.run(["eval", "--help"], environment: [:])
        #expect(eval.out.contains("--target <provider:model>"))
        #expect(eval.out.contains("(values: openai:MODEL, anthropic:MODEL, local:NAME,"), "\(eval.out)")
        #expect(eval.out.contains("(values: train, dev, test; default: dev)"))
        #expect(eval.out.contains("--seed <seed>           Seed of the --limit sample, a whole number from 0 to\n"), "\(eval.out)")
        // Shared options keep one help text in every command that takes them.
        for command in ["tune", "compare", "try"] {
            let help = try await CLI.run([command, "--help"], environment: [:])
            #expect(help.out.contains("--max-tokens <n>        The most tokens a target reply may have (default: the"), "\(command)")
            #expect(help.out.contains("--base-url <url>        Base URL of the target's OpenAI-compatible server,"), "\(command)")
        }
    }

    /// A seed past what JSON numbers hold exactly is written as a string and resumed as it was.
    @Test func theLargestSeedRunsAndResumes() async throws {
        let server = try MockServer { HostilePack.echo($0) }
        defer { server.stop() }
        let pack = try HostilePack.make(dev: (1...6).map { HostilePack.row("d\($0)", "w\($0)") })
        let folder = Scratch.path("seed")
        let r = try await CLI.run(["tune", pack.path, "--target", "openai:t", "--base-url", server.baseURL, "--rounds", "1", "--run", folder,
                                   "--seed", "18446744073709551615"], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        let config = try JSON.decode(String(contentsOfFile: folder + "/config.json", encoding: .utf8))
        #expect(config["seed"] == .string("18446744073709551615"))
        let again = try await CLI.run(["tune", "--resume", folder, "--base-url", server.baseURL], environment: ["OPENAI_API_KEY": "k"])
        #expect(again.status == 0, "\(again.err)")
    }
}
