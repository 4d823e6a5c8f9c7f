import Foundation
import Testing
import LuaHost
import StableHash
import TestSupport
import TaskPack
@testable import Tuning

@Suite struct SamplingTests {
    /// banking77's test split: 1,000 rows of 77 intents, 8 to 40 rows each.
    func bankingTest() throws -> [Example] {
        let pack = repoRoot.appendingPathComponent("tasks/banking77")
        return try PackData.load(spec: try PackRuntime(directory: pack).spec, directory: pack)[.test]
    }

    func labels(_ xs: [Example]) -> [String: Int] { Dictionary(grouping: xs) { $0.fields["label"]!.string! }.mapValues(\.count) }

    @Test func aStratifiedSampleKeepsEveryLabelsShare() throws {
        let all = try bankingTest()
        let whole = labels(all)
        #expect(all.count == 1000 && whole.count == 77)
        let sample = PackData.sample(all, n: 100, seed: 1, stratifyBy: "label")
        #expect(sample.count == 100)
        let got = labels(sample)
        #expect(got.count == 77)
        for (label, n) in whole {                       // floor or ceiling of its share
            let share = Double(n) * 100 / 1000
            #expect(Double(got[label] ?? 0) >= share.rounded(.down) && Double(got[label] ?? 0) <= share.rounded(.up), "\(label)")
        }
        // The first 100 rows of a file sorted by label would have held few intents; a plain seeded
        // sample holds many, but can miss some by chance.
        #expect(labels(PackData.sample(all, n: 100, seed: 1)).count > 45)
    }

    @Test func theSameSeedGivesTheSameSampleInFileOrder() throws {
        let all = try bankingTest()
        for field in [nil, "label"] {
            let a = PackData.sample(all, n: 50, seed: 7, stratifyBy: field)
            #expect(a.map(\.id) == PackData.sample(all, n: 50, seed: 7, stratifyBy: field).map(\.id))
            #expect(Set(a.map(\.id)) != Set(PackData.sample(all, n: 50, seed: 8, stratifyBy: field).map(\.id)))
            let position = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1.id, $0) })
            #expect(a.map { position[$0.id]! } == a.map { position[$0.id]! }.sorted())
            // Row order does not matter: the same examples from a reshuffled file.
            var rng = SplitMix(99)
            #expect(Set(PackData.sample(all.shuffled(using: &rng), n: 50, seed: 7, stratifyBy: field).map(\.id)) == Set(a.map(\.id)))
        }
    }

    @Test func edgeSizes() throws {
        let all = Array(try bankingTest().prefix(30))
        #expect(PackData.sample(all, n: nil, seed: 1) == all)
        #expect(PackData.sample(all, n: 30, seed: 1) == all)
        #expect(PackData.sample(all, n: .max, seed: .max, stratifyBy: "label") == all)
        #expect(PackData.sample(all, n: 0, seed: 1).isEmpty && PackData.sample(all, n: -5, seed: 1).isEmpty)
        #expect(PackData.sample([], n: 3, seed: 1).isEmpty)
        // Fewer seats than labels: one each for as many labels as there are seats.
        let few = PackData.sample(try bankingTest(), n: 10, seed: 3, stratifyBy: "label")
        #expect(few.count == 10 && labels(few).count == 10)
        // Rows without the field form a stratum; a field no row has is a plain sample.
        #expect(PackData.sample(all, n: 10, seed: 1, stratifyBy: "nope").map(\.id) == PackData.sample(all, n: 10, seed: 1).map(\.id))
    }
}
