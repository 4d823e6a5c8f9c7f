import Foundation
import Testing
import LuaHost
@testable import TaskPack

@Suite struct DatasetTests {
    func file(_ name: String, _ text: String) throws -> String {
        let pack = try PackFixture(task: "", files: [name: text])
        return pack.dir.appendingPathComponent(name).path
    }

    func readError(_ path: String, _ display: String) -> PackError? {
        do { _ = try DatasetReader.read(path: path, display: display); return nil } catch { return error as? PackError }
    }

    @Test func jsonlBadLineNamesTheExactLine() throws {
        let path = try file("d.jsonl", #"{"id": "a", "text": "x"}"# + "\n\n" + #"{"id": "b", "text": "y"}"# + "\n" + #"{"id": "c", "text": "z}"# + "\n")
        let e = try #require(readError(path, "data/d.jsonl"))
        #expect(e.location == "data/d.jsonl:4")
        #expect(e.message.hasPrefix("invalid JSON: unterminated string"))
    }

    @Test func jsonlLineThatIsNotAnObject() throws {
        let path = try file("d.jsonl", "[1, 2]\n")
        let e = try #require(readError(path, "d.jsonl"))
        #expect(e.description == "d.jsonl:1: each line must be a JSON object, found a table")
    }

    @Test func jsonlReadsRowsAndIds() throws {
        let path = try file("d.jsonl", #"{"id": 7, "text": "caf\u00e9 ☕", "n": null}"# + "\r\n" + #"{"text": "no id"}"#)
        let rows = try DatasetReader.read(path: path, display: "d.jsonl")
        #expect(rows.map(\.id) == ["7", "d.jsonl#2"])
        #expect(rows[0].fields["text"] == "café ☕")
        #expect(rows[0].fields["n"] == .null)
        #expect(rows[0].source == "d.jsonl:1")
    }

    @Test func csvWithQuotesAndNewlines() throws {
        let path = try file("d.csv", "id,text,label\n1,\"Hello, \"\"world\"\"\",a\n2,\"two\nlines\",b\n\n3,plain,c\n")
        let rows = try DatasetReader.read(path: path, display: "d.csv")
        #expect(rows.map(\.id) == ["1", "2", "3"])
        #expect(rows[0].fields["text"] == #"Hello, "world""#)
        #expect(rows[1].fields["text"] == "two\nlines")
        #expect(rows[2].source == "d.csv:6")
    }

    @Test func csvBrokenQuoteNamesTheLine() throws {
        let unclosed = try file("a.csv", "id,text\n1,ok\n2,\"never closed\n3,x\n")
        #expect(readError(unclosed, "a.csv")?.description == "a.csv:3: a quoted field opened on this line is never closed")
        let stray = try file("b.csv", "id,text\n1,ok\n2,ab\"c\n")
        #expect(readError(stray, "b.csv")?.location == "b.csv:3")
        let after = try file("c.csv", "id,text\n1,\"ab\"c\n")
        #expect(readError(after, "c.csv")?.location == "c.csv:2")
        let count = try file("d.csv", "id,text\n1,ok,extra\n")
        #expect(readError(count, "d.csv")?.description == "d.csv:2: 3 fields, but the header has 2")
    }

    @Test func unknownFormat() throws {
        let path = try file("d.txt", "x")
        #expect(readError(path, "d.txt")?.message.contains("unknown dataset format") == true)
    }

    @Test func oneFileIsSplitStablyBySeededHash() throws {
        let pack = try PackFixture(task: PackFixture.task(), files: ["data/all.jsonl": PackFixture.rows(1000)])
        let rt = try pack.load()
        let data = try PackData.load(spec: rt.spec, directory: pack.dir)
        #expect(data[.train].count + data[.dev].count + data[.test].count == 1000)
        #expect((150...250).contains(data[.dev].count))
        #expect((150...250).contains(data[.test].count))
        #expect(data.provenance[.dev] == "carved from data/all.jsonl (20%, seed 1)")
        #expect(data.provenance[.train] == "carved from data/all.jsonl (60%, seed 1)")

        // Reordering and removing rows does not move the others between splits.
        let lines = PackFixture.rows(1000).split(separator: "\n").reversed().dropFirst(100)
        try pack.write("data/all.jsonl", lines.joined(separator: "\n"))
        let again = try PackData.load(spec: rt.spec, directory: pack.dir)
        let devBefore = Set(data[.dev].map(\.id)), devAfter = Set(again[.dev].map(\.id))
        #expect(devAfter.isSubset(of: devBefore))
        #expect(devBefore.subtracting(devAfter).count <= 100)
    }

    @Test func splitSettingsAndMissingTestOnly() throws {
        let task = PackFixture.task("split = { test = 0.5, seed = 9 },", replacing: [
            "data": #"data = { train = "data/train.jsonl", dev = "data/dev.jsonl" },"#])
        let pack = try PackFixture(task: task, files: ["data/train.jsonl": PackFixture.rows(400),
                                                       "data/dev.jsonl": #"{"id": "d1", "text": "a", "label": "a"}"#])
        let rt = try pack.load()
        let data = try PackData.load(spec: rt.spec, directory: pack.dir)
        #expect(data[.dev].count == 1)
        #expect((150...250).contains(data[.test].count))
        #expect(data.provenance[.test] == "carved from data/train.jsonl (50%, seed 9)")
    }
}
