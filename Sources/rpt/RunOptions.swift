import ArgumentParser
import Foundation
import ModelClient
import TaskPack
import Tuning

// The options that say what a command scores and what it keeps: each declared once here, with
// its help and its checks, and shared by the commands through @OptionGroup.

// `--split` is typed: ArgumentParser refuses anything but the three names and lists them in
// --help and in its error, instead of each command checking a string.
extension Split: ExpressibleByArgument {}

extension ValidationError {
    /// A number out of its bounds, said the way a run's settings say it ("--rounds is 0, but must
    /// be a whole number from 1 to 10000"), the value cut short.
    init(_ option: String, is value: some CustomStringConvertible, mustBe want: String) {
        self.init("\(option) is \(String(describing: value).prefix(40)), but must be \(want)")
    }
}

/// A seed is any UInt64 (samples and the bootstrap draw from SplitMix64): the parser refuses a
/// negative, fractional or too-large one, saying what a seed is.
enum SeedArgument {
    static let range = "a whole number from 0 to \(UInt64.max)"

    struct Refused: Error, CustomStringConvertible {
        var description: String { "a seed is \(SeedArgument.range)" }
    }

    static func parse(_ text: String) throws -> UInt64 {
        guard let n = UInt64(text) else { throw Refused() }
        return n
    }
}

/// Which examples eval and compare score: a split, or a seeded sample of it.
struct SampleOptions: ParsableArguments {
    @Option(help: "The split.") var split: Split = .dev
    // .unconditional: "-3" is read as a value (and refused by validate), not as an unknown flag.
    @Option(parsing: .unconditional, help: ArgumentHelp("Score a seeded sample of N examples drawn across the split (by the pack's label "
                                                        + "field when it declares one), kept in file order.", valueName: "n"))
    var limit: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the --limit sample, \(SeedArgument.range) (default 1; the same seed "
                                                        + "draws the same examples).", valueName: "seed"), transform: SeedArgument.parse)
    var seed: UInt64 = 1

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit", is: limit, mustBe: "a whole number, at least 1") }
    }

    /// The examples of `pool` (the split's) to score.
    func examples(of pool: [Example], spec: TaskSpec) -> [Example] {
        PackData.sample(pool, n: limit, seed: seed, stratifyBy: spec.labelField)
    }
}

/// `--prompt` (eval, try): the prompt to score instead of the pack's.
struct PromptOption: ParsableArguments {
    @Option(name: .customLong("prompt"),
            help: ArgumentHelp("A prompt file (best_prompt.json or .md as rpt tune writes them, or text = the instruction). Default: the "
                               + "pack's prompt.", valueName: "file"))
    var file: String?

    func program(_ spec: TaskSpec) throws -> PromptProgram {
        let base = PromptProgram(spec.prompt)
        return try file.map { try PromptProgram.load(path: $0, default: base) } ?? base
    }
}

/// `--no-cache` (eval, compare, try, check): the shared response cache, or none.
struct CacheOption: ParsableArguments {
    @Flag(help: "Do not read or write the response cache (every reply is asked for again).") var noCache = false

    /// The shared response cache (RPT_CACHE_DIR, else ~/.cache/rpt), unless --no-cache.
    func shared() throws -> ResponseCache? { noCache ? nil : try ResponseCache(path: ResponseCache.defaultPath()) }
}

/// `-v` (eval, tune, try, check): the pack's log lines on stderr too.
struct HookLogOption: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Write the pack's hook logs (print, rpt.log) to stderr as they come, each line naming its hook and example.")
    var verbose = false
}
