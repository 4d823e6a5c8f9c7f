import Foundation
import LuaHost
import ModelClient
import TaskPack

/// Reading a history someone else wrote: the file through the pack's file rules and a size cap,
/// the JSON with a bound on its values, then every field checked (`Field`), so a wrong type, a
/// number out of range, a name with control characters or a field rpt does not know is an error
/// naming the field, before any of it is shown or reaches a model.
extension PackHistory {
    /// The history of the pack in `folder`, or nil when it has none.
    public static func read(folder: URL) throws(FieldError) -> PackHistory? {
        let file = folder.appendingPathComponent(fileName).path
        guard FileManager.default.fileExists(atPath: file) || (try? FileManager.default.destinationOfSymbolicLink(atPath: file)) != nil else {
            return nil
        }
        let path: String
        do { path = try PackFiles.resolve(fileName, in: folder, maxBytes: maxBytes) } catch {
            if case .tooBig(let n, _) = error {
                throw FieldError("\(file) is \(n) bytes, more than the \(maxBytes) a tuning history may have: it was not written by rpt export; "
                                 + "remove it, or tune with --no-history")
            }
            throw FieldError("\(file) \(error.message)")
        }
        guard let data = FileManager.default.contents(atPath: path), data.count <= maxBytes else {
            throw FieldError("\(file): cannot read it")
        }
        return try parse(data, file: file)
    }

    /// A history from its bytes (history.json, or a manifest's `history` field re-encoded).
    public static func parse(_ data: Data, file: String) throws(FieldError) -> PackHistory {
        guard data.count <= maxBytes else { throw FieldError("\(file) is \(data.count) bytes, more than the \(maxBytes) a tuning history may have") }
        let decoded = [UInt8](data).withUnsafeBufferPointer { bytes in
            Result { () throws(JSON.ParseError) in try JSON.decode(bytes) }
        }
        switch decoded {
        case .success(let v): return try parse(v, file: file)
        case .failure(let e): throw FieldError("\(file) is not JSON (\(e)): a history is what rpt export writes")
        }
    }

    public static func parse(_ value: JSONValue, file: String) throws(FieldError) -> PackHistory {
        let root = try Field(value, file: file).object(["format", "entries"])
        let format = try root.child("format").int(0...1_000)
        guard format == Self.format else {
            throw FieldError("\(file): format \(format) is not one this rpt reads (\(Self.format)): update rpt, or tune with --no-history")
        }
        return PackHistory(entries: try root.child("entries").array(max: maxEntries).map(entry))
    }

    static func entry(_ f: Field) throws(FieldError) -> Entry {
        try f.object(["version", "from_version", "date", "run", "models", "stop_reason", "dev", "test", "modes", "edits", "prompt_diff"])
        let (version, fromVersion) = (try version(f.child("version")), try version(f.child("from_version")))
        let models = try f.child("models").object(["target", "optimizer", "critic", "judge"])
        var named: [String: String] = [:]
        for role in ["target", "optimizer", "critic", "judge"] { if let m = models.optional(role) { named[role] = try m.name(max: 200) } }
        let dev = try f.child("dev").object(["initial", "best"])
        let test = try f.child("test").object(["examples", "initial", "best", "gain"])
        let date = try f.child("date").name(max: 40)
        guard ISO8601DateFormatter().date(from: date) != nil else { throw f.child("date").fail("a date like 2026-01-31T12:00:00Z") }
        return Entry(version: version, fromVersion: fromVersion, date: date,
                     run: try f.child("run").name(max: 200), models: named, stopReason: try f.child("stop_reason").text(max: 2_000),
                     devInitial: try dev.child("initial").number(0...1), devBest: try dev.child("best").number(0...1),
                     testExamples: try test.child("examples").int(0...100_000_000),
                     testInitial: try score(test.child("initial"), 0...1), testBest: try score(test.child("best"), 0...1),
                     gain: try score(test.child("gain"), -1...1),
                     modes: try f.child("modes").array(max: maxModes).map(mode),
                     edits: try f.child("edits").array(max: maxEdits).map(edit),
                     promptDiff: try f.child("prompt_diff").array(max: maxDiff).map(sectionChange))
    }

    static func version(_ f: Field) throws(FieldError) -> String {
        guard let v = f.value?.string, v.utf8.count <= 64 else { throw f.fail("a version like 1.2.0") }
        let core = v.split(separator: "-", maxSplits: 1).first ?? ""
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 9 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              v.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "-") }) else {
            throw f.fail("a version like 1.2.0")
        }
        return v
    }

    static func score(_ f: Field, _ range: ClosedRange<Double>) throws(FieldError) -> Score {
        try f.object(["score", "ci95"])
        var s = Score(value: try f.child("score").number(range))
        if let ci = f.optional("ci95") {
            let bounds = try ci.array(max: 2)
            guard bounds.count == 2 else { throw ci.fail("a list of two numbers, [lower, upper]") }
            (s.lower, s.upper) = (try bounds[0].number(range), try bounds[1].number(range))
        }
        return s
    }

    static func mode(_ f: Field) throws(FieldError) -> ModeChange {
        try f.object(["mode", "definition", "dev", "test", "edited_by"])
        let dev = try f.child("dev").object(["initial", "best"]), test = try f.child("test").object(["initial", "best", "fixed", "broke"])
        func count(_ c: Field?) throws(FieldError) -> Count? {
            guard let c else { return nil }
            try c.object(["count", "prevalence"])
            return Count(count: try c.child("count").int(0...100_000_000), prevalence: try c.child("prevalence").number(0...1))
        }
        let n = 0...100_000_000
        return ModeChange(mode: try f.child("mode").name(), definition: try f.child("definition").text(max: 2_000),
                          devInitial: try count(dev.optional("initial")), devBest: try count(dev.optional("best")),
                          testInitial: try test.child("initial").int(n), testBest: try test.child("best").int(n),
                          fixed: try test.child("fixed").int(n), broke: try test.child("broke").int(n),
                          editedBy: try f.child("edited_by").array(max: maxEdits).map { e throws(FieldError) in try e.name(max: 120) })
    }

    static func edit(_ f: Field) throws(FieldError) -> Edit {
        try f.object(["round", "section", "modes", "kept", "dev_score", "why", "text"])
        return Edit(round: try f.child("round").int(0...10_000), section: try f.child("section").name(),
                    modes: try f.child("modes").array(max: maxModes).map { m throws(FieldError) in try m.name() },
                    kept: try f.child("kept").bool(), devScore: try f.optional("dev_score")?.number(0...1),
                    why: try f.child("why").text(max: 2_000), text: try f.child("text").text(max: maxText))
    }

    static func sectionChange(_ f: Field) throws(FieldError) -> SectionChange {
        try f.object(["section", "change", "before", "after"])
        let change = try f.child("change").name(max: 20)
        guard let c = SectionChange.Change(rawValue: change) else { throw f.child("change").fail("added, changed or removed") }
        return SectionChange(section: try f.child("section").name(), change: c,
                             before: try f.child("before").text(max: maxText), after: try f.child("after").text(max: maxText))
    }
}
