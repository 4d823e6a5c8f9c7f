/// Whether a split's rows come grouped by the pack's label field (a file sorted by intent).
/// `--limit` samples across the whole split anyway, but whoever reads the file, or its first
/// rows, sees a few labels and takes them for the task.
///
/// The criterion: how often the label changes between neighbouring rows. In a shuffled file that
/// is about (n − 1)(1 − Σ pᵢ²), pᵢ each label's share of the rows; a file with under a third of
/// that many changes has its labels in runs (a sorted file changes once per label). A split a
/// shuffle would change fewer than 10 times (few rows, or nearly all one label) is not judged:
/// chance alone could make it look grouped.
struct LabelOrder: Equatable {
    /// Neighbouring rows with different labels.
    let changes: Int
    /// What a shuffled file would have.
    let expected: Double

    init(_ examples: [Example], field: String) {
        var counts: [String: Int] = [:]
        var changes = 0
        var previous: String?
        for ex in examples {
            let label = ex.group(field)
            counts[label, default: 0] += 1
            if let previous, previous != label { changes += 1 }
            previous = label
        }
        let n = Double(examples.count)
        let same = counts.values.reduce(0.0) { $0 + (Double($1) / n) * (Double($1) / n) }
        self.changes = changes
        expected = examples.count < 2 ? 0 : (n - 1) * (1 - same)
    }

    var grouped: Bool { expected >= 10 && Double(changes) < expected / 3 }

    /// The warning `rpt check` prints for a grouped split.
    func warning(split: Split, field: String) -> String {
        "the \(split.rawValue) split is ordered by '\(field)': neighbouring rows change label \(changes) times, "
            + "a shuffled file about \(Int(expected.rounded())). --limit samples across the whole split anyway, "
            + "but the file's first rows show few labels to anyone reading it; shuffle it (e.g. shuf FILE -o FILE)"
    }
}
