import Foundation
import Testing
import TestSupport
import LuaHost
@testable import TaskPack

/// Data specs without preprocessing scripts (issue 13): several files to a split, fixed and
/// renamed fields, and `rpt check`'s warning for a split sorted by label.
@Suite struct DataSpecTests {
    static let data = #"""
        data = {
          train = "data/train.jsonl",
          dev = "data/dev.jsonl",
          test = { "data/test.jsonl", { file = "data/oos.csv", set = { label = "oos" }, map = { text = "question", id = "qid" } } },
        },
        """#

    func pack(_ files: [String: String], data: String = data) throws -> PackFixture {
        try PackFixture(task: PackFixture.task(replacing: ["data": data]), files: files)
    }

    static let rows = [
        "data/train.jsonl": PackFixture.rows(4),
        "data/dev.jsonl": #"{"id": "d1", "text": "a", "label": "a"}"#,
        "data/test.jsonl": #"{"id": "t1", "text": "b", "label": "b"}"#,
        "data/oos.csv": "qid,question\nq1,what is the weather\nq2,tell me a joke\n",
    ]

    @Test func aSplitReadsSeveralFilesWithFixedAndRenamedFields() throws {
        let p = try pack(Self.rows)
        let data = try PackData.load(spec: try p.load().spec, directory: p.dir)
        #expect(data[.test].map(\.id) == ["t1", "q1", "q2"])
        #expect(data[.test][1].fields == ["id": "q1", "text": "what is the weather", "label": "oos"])
        #expect(data[.test][1].source == "data/oos.csv:2")
        #expect(data.provenance[.test] == "data/test.jsonl + data/oos.csv")
        let check = PackCheck.run(directory: p.dir)
        #expect(check.passed, "\(check.render(pack: "p"))")
    }

    @Test func aRowWithoutAMappedFieldIsAnErrorAtItsLine() throws {
        var files = Self.rows
        files["data/oos.csv"] = "qid,text\nq1,hello\n"
        let p = try pack(files)
        #expect(throws: PackError("data/oos.csv:2", "no field 'question' in this row, which map = { text = \"question\" } reads for data/oos.csv")) {
            _ = try PackData.load(spec: try p.load().spec, directory: p.dir)
        }
    }

    @Test func idsRepeatedAcrossTheFilesOfASplitNameBothFiles() throws {
        var files = Self.rows
        files["data/oos.csv"] = "qid,question\nt1,hello\n"
        let check = PackCheck.run(directory: try pack(files).dir)
        #expect(check.problems.map(\.description) == [
            "data/oos.csv:2: id 't1' is used again (first at data/test.jsonl:1): ids must be unique across all files and splits"])
    }

    @Test func everyFileOfAListFollowsThePackFileRules() throws {
        let outside = Scratch.url("outside").appendingPathExtension("csv")
        try "qid,question\nq1,x\n".write(to: outside, atomically: true, encoding: .utf8)
        var files = Self.rows
        files["data/oos.csv"] = nil
        let p = try pack(files)
        try FileManager.default.createSymbolicLink(atPath: p.dir.appendingPathComponent("data/oos.csv").path, withDestinationPath: outside.path)
        let check = PackCheck.run(directory: p.dir)
        #expect(check.problems.map(\.location) == ["data/oos.csv"])
        #expect(check.problems.first?.message.contains("leads outside the pack") == true)
    }

    @Test func badSpecsAreNamedWhereTheyStand() throws {
        let p = try pack(Self.rows, data: #"""
            data = {
              train = { "data/train.jsonl", { fiel = "x.jsonl" } },
              test = { { file = "../secret.jsonl" }, { file = "t.jsonl", set = "oos", map = { text = 3 } }, 7 },
              dev = {},
            },
            """#)
        #expect(p.loadProblems().map(\.description) == [
            "task.lua: 'data.dev' must be a file name, { file = ..., set = {...}, map = {...} }, or a list of them",
            "task.lua: data file '../secret.jsonl' must be inside the pack (a relative path without '..')",
            "task.lua: 'data.test[2].set' must be a table of fields every row gets: set = { label = \"oos\" }",
            "task.lua: 'data.test[2].map.text' must name the file's field that text comes from (a string)",
            "task.lua: 'data.test[3]' must be a file name or { file = ..., set = {...}, map = {...} }, found a number",
            "task.lua: unknown key 'data.train[2].fiel' (did you mean 'file'?); a file may have file, set, map",
            "task.lua: 'data.train[2].file' must be the file's name (a string)",
        ])
    }

    @Test func splitInsideDataIsPointedOut() throws {
        let p = try pack(Self.rows, data: #"data = { train = "data/train.jsonl", split = { dev = 0.1 } },"#)
        #expect(p.loadProblems().map(\.description) == ["task.lua: unknown key 'data.split' ('split' goes beside 'data', not inside it)"])
    }

    @Test func oneListOfFilesIsCarvedLikeOneFile() throws {
        let p = try pack([
            "data/a.jsonl": PackFixture.rows(300),
            "data/b.jsonl": (0..<300).map { #"{"id": "b-\#($0)", "text": "b"}"# }.joined(separator: "\n"),
        ], data: #"data = { "data/a.jsonl", { file = "data/b.jsonl", set = { label = "b" } } },"#)
        let data = try PackData.load(spec: try p.load().spec, directory: p.dir)
        #expect(Split.allCases.map { data[$0].count }.reduce(0, +) == 600)
        #expect(data[.dev].contains { $0.fields["label"] == "b" })
        #expect(data.provenance[.dev] == "carved from data/a.jsonl + data/b.jsonl (20%, seed 1)")
    }
}

@Suite struct LabelOrderTests {
    func examples(_ labels: [String]) -> [Example] {
        labels.enumerated().map { Example(id: "\($0)", fields: ["label": .string($1)], source: "f:\($0 + 1)") }
    }

    @Test func sortedAndBlockedFilesAreGroupedShuffledOnesAreNot() {
        let labels = (0..<20).flatMap { l in Array(repeating: "l\(l)", count: 10) }
        #expect(LabelOrder(examples(labels), field: "label").grouped)                    // sorted: 19 changes of ~189
        var rng = SystemRandomNumberGenerator()
        #expect(!LabelOrder(examples(labels.shuffled(using: &rng)), field: "label").grouped)
        let blocks = (0..<4).flatMap { _ in (0..<20).flatMap { l in Array(repeating: "l\(l)", count: 2) } } // runs of two
        #expect(!LabelOrder(examples(blocks), field: "label").grouped)                  // 159 of ~159: not grouped
        let two = Array(repeating: "a", count: 50) + Array(repeating: "b", count: 50)
        #expect(LabelOrder(examples(two), field: "label").grouped)                        // 1 change of ~50
        #expect(!LabelOrder(examples(["a", "a", "b", "b"]), field: "label").grouped)       // too few rows to judge
        #expect(!LabelOrder(examples(Array(repeating: "a", count: 500) + ["b"]), field: "label").grouped) // one label
    }

    @Test func checkWarnsAndStillPasses() throws {
        let sorted = (0..<60).map { #"{"id": "r\#($0)", "text": "x", "label": "l\#($0 / 10)"}"# }.joined(separator: "\n")
        let task = PackFixture.task(#"label = "label","#, replacing: [
            "data": #"data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },"#,
            "gold": "gold = function(ex) return ex.label end,", "score": "score = function() return 1 end,"])
        let p = try PackFixture(task: task, files: ["data/train.jsonl": sorted, "data/dev.jsonl": #"{"id": "d", "text": "x", "label": "a"}"#,
                                                    "data/test.jsonl": #"{"id": "t", "text": "x", "label": "a"}"#])
        let check = PackCheck.run(directory: p.dir)
        #expect(check.warnings.map(\.description) == [
            "data/train.jsonl: the train split is ordered by 'label': neighbouring rows change label 5 times, a shuffled file "
            + "about 49. --limit samples across the whole split anyway, but the file's first rows show few labels to anyone "
            + "reading it; shuffle it (e.g. shuf FILE -o FILE)"])
        #expect(check.steps.contains { $0 == ("warn", "order", "train ordered by 'label' (a warning: see below)") })
        #expect(check.render(pack: "p").hasSuffix("reading it; shuffle it (e.g. shuf FILE -o FILE)\n\npassed\n"))
    }
}
