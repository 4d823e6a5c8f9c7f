extension Outcome {
    /// The failure mode of an example that a hook (render, extract, score, classify) failed on.
    public static let packErrorMode = "pack_error"

    /// What such an example counts: 0, under `pack_error`. Left out of the mean instead, a pack
    /// that breaks on the hard rows, or a reply that makes extract hit its memory limit, would
    /// raise the score; counted as 0 it can only lower it, and shows up as a failure mode.
    public static func packError(_ error: HookError) -> Outcome {
        Outcome(answer: nil, confidence: nil, score: 0, failure: packErrorMode, detail: "\(error.hook): \(error.message)")
    }
}
