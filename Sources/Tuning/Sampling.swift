import LuaHost
import StableHash
import TaskPack

extension PackData {
    /// At most `n` examples drawn with `seed` across the whole list, for `--limit`, `--dev-limit`
    /// and `--test-limit`. Data files are often sorted by label, so the first rows would cover a
    /// few labels only. With `stratifyBy` (the pack's `label` field) every value of that field
    /// gets its share of the sample by largest remainder, so small labels are not left out by
    /// chance; without it the draw is plain.
    ///
    /// The draw is a function of the ids, the label values and the seed, not of row order: the
    /// same seed gives the same sample, even from a reshuffled file. The result keeps the input
    /// order, so per-example results of two runs line up. `n` nil, or not below the count, keeps
    /// everything; `n` of 0 or less gives nothing.
    public static func sample(_ examples: [Example], n: Int?, seed: UInt64, stratifyBy field: String? = nil) -> [Example] {
        guard let n, n < examples.count else { return examples }
        guard n > 0 else { return [] }
        let keys = examples.map { drawKey(seed, $0.id) }
        var groups: [String: [Int]] = [:]
        for (i, ex) in examples.enumerated() { groups[field.map { ex.group($0) } ?? "", default: []].append(i) }

        // Largest remainder: each stratum gets floor(n * size / total), and the seats left go to
        // the largest remainders (ties by a seeded key of the label, so no label is favoured).
        let total = examples.count
        var quota: [String: Int] = [:]
        var remainders: [(label: String, remainder: Int, key: UInt64)] = []
        for (label, members) in groups {
            let (whole, remainder) = total.dividingFullWidth(n.multipliedFullWidth(by: members.count))   // no overflow
            quota[label] = whole
            remainders.append((label, remainder, drawKey(seed, "label:" + label)))
        }
        remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.key < $1.key }
        for r in remainders.prefix(n - quota.values.reduce(0, +)) { quota[r.label]! += 1 }

        var picked: [Int] = []
        picked.reserveCapacity(n)
        for (label, members) in groups {
            let order = members.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            picked += order.prefix(quota[label]!)
        }
        return picked.sorted().map { examples[$0] }
    }

    /// A seeded 64-bit key for a text: FNV-1a of its bytes, mixed by SplitMix.
    static func drawKey(_ seed: UInt64, _ text: String) -> UInt64 {
        var rng = SplitMix(seed ^ FNV1a.hash(text))
        return rng.next()
    }
}
