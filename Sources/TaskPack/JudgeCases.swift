import Foundation
import LuaHost

/// One judged case of `tests/judge.lua`: a reply to an example and the verdict range the pack's
/// authors say it deserves. `rpt check --judge MODEL` asks the judge and reports agreement.
public struct JudgeCase: Sendable, Equatable {
    public var name: String
    public var example: Example
    public var reply: String
    /// The scores the judge must give (on its scale, or criteria met), both ends included.
    public var range: ClosedRange<Double>
}

/// `tests/judge.lua`: a list of `{ name = ..., example = { ... } or "an example id", reply = "...",
/// verdict = { low, high } or a score }`. Read and checked without any model.
public enum JudgeCases {
    public static let file = "tests/judge.lua"
    static let keys = ["name", "example", "reply", "verdict"]

    public static func exists(in directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path)
    }

    /// The cases, and every problem found in them. `examples` resolves a case's example given by id.
    public static func load(_ runtime: PackRuntime, examples: [Example]) -> (cases: [JudgeCase], problems: [PackError]) {
        guard let judge = runtime.spec.judge else {
            return ([], [PackError(file, "the pack has no judge: judged cases need a 'judge' table in task.lua")])
        }
        let list: [LuaValue]
        do {
            let source = try PackFiles.source(file, in: runtime.directory)
            guard let items = try runtime.runDataFile(source, chunkName: file)?.array else {
                return ([], [PackError(file, "must return a list of cases: return { { name = ..., example = ..., reply = ..., verdict = { 4, 5 } }, ... }")])
            }
            list = items
        } catch let e as PackFiles.Refusal {
            return ([], [PackError(file, e == .missing ? "cannot read the file" : e.message)])
        } catch let e as LuaError {
            return ([], [PackError(e.location ?? file, PackRuntime.strip(e.message))])
        } catch {
            return ([], [PackError(file, "\(error)")])
        }
        let byID = Dictionary(examples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var cases: [JudgeCase] = [], problems: [PackError] = []
        for (i, c) in list.enumerated() {
            let label = c["name"]?.string.map { "case \(i + 1) '\($0)'" } ?? "case \(i + 1)"
            func problem(_ m: String) { problems.append(PackError(file, "\(label): \(m)")) }
            guard let fields = c.object else { problem("must be a table"); continue }
            for key in fields.keys.sorted() where !keys.contains(key) {
                problem("unknown key '\(key)'" + TaskValidation.suggestion(for: key, among: keys))
            }
            let example: Example
            switch fields["example"] {
            case .object(let f)?: example = Example(id: fields["name"]?.string ?? "judged case \(i + 1)", fields: f, source: "\(file) \(label)")
            case .string(let id)?:
                guard let ex = byID[id] else { problem("no example with id '\(id)' in the pack's data"); continue }
                example = ex
            default: problem("needs an 'example': a table of fields, or the id of an example of the pack's data"); continue
            }
            guard let reply = fields["reply"]?.string else { problem("needs a 'reply' (a string) for the judge to grade"); continue }
            guard let range = range(fields["verdict"], judge: judge) else {
                let (low, high) = (Verdict.number(judge.range.lowerBound), Verdict.number(judge.range.upperBound))
                problem("needs 'verdict': the scores the judge must give, { low, high } or one score, from \(low) to \(high)")
                continue
            }
            do {
                if case .unreadable(let why) = try runtime.extract(reply: reply, example: example) {
                    problem("extract cannot read the reply (\(why)): the judge grades what extract reads"); continue
                }
                _ = try runtime.render(example)
                _ = try runtime.reference(example)
            } catch { problem(error.message); continue }
            cases.append(JudgeCase(name: fields["name"]?.string ?? label, example: example, reply: reply, range: range))
        }
        return (cases, problems)
    }

    static func range(_ v: LuaValue?, judge: JudgeSpec) -> ClosedRange<Double>? {
        let ends: [Double]
        switch v {
        case .array(let items)? where items.count == 2: ends = items.compactMap(\.number)
        case let one? where one.number != nil: ends = [one.number!, one.number!]
        default: return nil
        }
        guard ends.count == 2, ends[0] <= ends[1], judge.range.contains(ends[0]), judge.range.contains(ends[1]) else { return nil }
        return ends[0]...ends[1]
    }
}
