import Foundation
import LuaHost
import StableHash

/// The examples of a pack, by split, and how each split was made.
public struct PackData: Sendable {
    public var splits: [Split: [Example]]
    /// One line per split: where it came from ("data/dev.jsonl", or carved from a file).
    public var provenance: [Split: String]
    /// The pack's must-pass examples (`regression`), apart from the splits: never sampled, never carved.
    public var regression: [Example] = []

    public subscript(split: Split) -> [Example] { splits[split] ?? [] }

    /// Reads every split of the pack. `limit` caps each split (after carving).
    public static func load(spec: TaskSpec, directory: URL, limit: Int = .max) throws -> PackData {
        var splits: [Split: [Example]] = [:]
        var provenance: [Split: String] = [:]
        for (split, files) in spec.data.files {
            splits[split] = try read(files, in: directory, idField: spec.idField, limit: limit)
            provenance[split] = DataFile.names(files)
        }
        if let carve = spec.data.carve {
            let pool = try read(carve.pool, in: directory, idField: spec.idField)
            var carved: [Split: [Example]] = [:]
            for ex in pool { carved[assign(ex.id, carve), default: []].append(ex) }
            for split in Split.allCases where spec.data.files[split] == nil {
                splits[split] = Array((carved[split] ?? []).prefix(limit))
                let share = split == .train ? 1 - carve.fractions.values.reduce(0, +) : carve.fractions[split] ?? 0
                provenance[split] = "carved from \(DataFile.names(carve.pool)) (\(Int((share * 100).rounded()))%, seed \(carve.seed))"
            }
        }
        var out = PackData(splits: splits, provenance: provenance)
        out.regression = try read(spec.regression, in: directory, idField: spec.idField)
        return out
    }

    /// The rows of several files, in order, each checked by `PackFiles` and reshaped by its `set`/`map`.
    static func read(_ files: [DataFile], in directory: URL, idField: String, limit: Int = .max) throws -> [Example] {
        var out: [Example] = []
        for file in files where out.count < limit {
            let reshape: DatasetReader.Reshape? = file.set.isEmpty && file.map.isEmpty ? nil : { try file.reshape($0, at: $1) }
            out += try DatasetReader.read(path: PackFiles.data(file.path, in: directory), display: file.path,
                                          idField: idField, limit: limit - out.count, reshape: reshape)
        }
        return out
    }

    /// A split chosen by a seeded hash of the id: stable when rows are added, reordered or removed.
    static func assign(_ id: String, _ carve: TaskSpec.DataSpec.Carve) -> Split {
        var h = FNV1a.hash("\(carve.seed):\(id)")
        h ^= h >> 33; h &*= 0xff51_afd7_ed55_8ccd; h ^= h >> 33
        let u = Double(h >> 11) / Double(1 << 53)
        var edge = 0.0
        for split in [Split.dev, .test] {
            guard let f = carve.fractions[split] else { continue }
            edge += f
            if u < edge { return split }
        }
        return .train
    }
}

extension TaskValidation {
    static func validateData(_ value: LuaValue?, split: LuaEntry?, present: Bool,
                             problem: (String) -> Void) -> TaskSpec.DataSpec? {
        guard present else { return nil }
        var files: [Split: [DataFile]] = [:]
        var pool: [DataFile]
        switch value {
        case .object(let table)? where table["file"] == nil:
            for (key, v) in table.sorted(by: { $0.key < $1.key }) {
                guard let s = Split(rawValue: key) else {
                    problem("unknown key 'data.\(key)'" + (key == "split" ? " ('split' goes beside 'data', not inside it)"
                        : suggestion(for: key, among: Split.allCases.map(\.rawValue))))
                    continue
                }
                files[s] = DataFile.list(v, at: "data.\(key)", problem: problem)
            }
            guard let train = files[.train] else {
                if table["train"] == nil { problem("'data.train' is missing: the optimization set the tuning learns from") }
                return nil
            }
            pool = train
        case let v?:
            guard let list = DataFile.list(v, at: "data", problem: problem) else { return nil }
            pool = list
        default:
            problem("'data' must be a file name or a table { train = ..., dev = ..., test = ... }")
            return nil
        }

        var fractions: [Split: Double] = [.dev: 0.2, .test: 0.2]
        var seed = 1
        if let split {
            guard case .value(.object(let t)) = split else {
                problem("'split' must be a table { dev = 0.2, test = 0.2, seed = 1 }")
                return nil
            }
            for (key, v) in t {
                switch key {
                case "dev", "test":
                    guard let f = v.number, f > 0, f < 0.9 else { problem("'split.\(key)' must be a fraction between 0 and 0.9"); continue }
                    fractions[Split(rawValue: key)!] = f
                case "seed":
                    guard case .int(let s) = v else { problem("'split.seed' must be an integer"); continue }
                    seed = Int(s)
                default:
                    problem("unknown key 'split.\(key)'" + suggestion(for: key, among: ["dev", "test", "seed"]))
                }
            }
            if files[.dev] != nil && files[.test] != nil {
                problem("'split' has no effect: 'data' already names train, dev and test files")
            }
        }
        for s in [Split.dev, .test] where files[s] != nil { fractions[s] = nil }
        if fractions.values.reduce(0, +) >= 0.9 { problem("'split' leaves too little for train: dev + test must stay under 0.9") }
        let carve = fractions.isEmpty ? nil : TaskSpec.DataSpec.Carve(pool: pool, fractions: fractions, seed: seed)
        if carve == nil { files[.train] = pool }
        return TaskSpec.DataSpec(files: carve == nil ? files : files.filter { $0.key != .train }, carve: carve)
    }
}
