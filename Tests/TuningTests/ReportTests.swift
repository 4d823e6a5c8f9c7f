import Foundation
import Testing
import TestSupport
@testable import Tuning

@Suite struct ReportTests {
    @Test func theWordDiffReadsBackAsEitherText() {
        let a = "Read the message.\n\nReply with JSON only.", b = "Read the whole message.\n\nThink first.\nReply with JSON only."
        let pieces = WordDiff.diff(a, b)
        func text(_ keep: (WordDiff.Piece) -> String?) -> String { pieces.compactMap(keep).joined() }
        #expect(text { if case .same(let s) = $0 { return s }; if case .removed(let s) = $0 { return s }; return nil } == a)
        #expect(text { if case .same(let s) = $0 { return s }; if case .added(let s) = $0 { return s }; return nil } == b)
        #expect(pieces.contains(.added("whole ")))
        #expect(!pieces.contains { if case .removed = $0 { return true }; return false })
        // Past the table's cap the texts are shown whole, still true to both.
        #expect(WordDiff.diff("a b c", "a x c", maxCells: 1) == [.same("a "), .removed("b "), .added("x "), .same("c")])
    }

    @Test func escapingLeavesNoMarkupAndNoControlCharacters() {
        #expect(ReportHTML.esc(#"<b onclick='x'>"&"</b>"#) == "&lt;b onclick=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/b&gt;")
        #expect(ReportHTML.esc("a\u{1B}[31mb\tc\n") == "a\u{FFFD}[31mb\tc\n")
    }

    /// A run killed after its baseline: every section that lacks data says so, and draws nothing made up.
    @Test func aRunFolderWithOnlyItsLogSaysWhatIsMissing() throws {
        let folder = try Scratch.folder("report-partial")
        let events = [#"{"seq":0,"type":"run_started","time":"2026-01-01T10:00:00Z"}"#,
                      #"{"seq":1,"type":"baseline","dev_score":0.5,"train_score":0.4,"time":"2026-01-01T10:01:00Z"}"#]
        try (events.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("events.jsonl"), atomically: true, encoding: .utf8)
        let html = RunReport.html(try RunRecord(folder: folder), initial: nil)
        #expect(html.contains("not run: final.json is missing"))
        #expect(html.contains("rounds/00/initial-dev.json is missing"))
        #expect(html.contains("No test result (final.json), so no calibration."))
        #expect(html.contains("No summary.json: tokens and cost are not recorded"))
        #expect(html.contains("best_prompt.json is missing or unreadable."))
        #expect(html.contains("<td>round 0</td><td class=\"n\">60 s</td>"))
        // The score chart still has its one real point: the baseline.
        #expect(html.contains("initial prompt on dev: 0.500"))
    }
}
