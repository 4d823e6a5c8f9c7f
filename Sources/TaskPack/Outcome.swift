import Foundation
import LuaHost

/// What the pack's hooks make of one reply to one example.
public struct Outcome: Sendable, Equatable {
    public var answer: LuaValue?
    public var confidence: Double?
    public var score: Double
    /// The failure mode when the score is below 1 (`format` when the reply could not be read).
    public var failure: String?
    public var detail: String?
    /// The judge's verdict on the reply, for a pack with a judge.
    public var verdict: Verdict? = nil
    /// Each named metric, for a pack that declares `metrics` (`score` is their weighted mean);
    /// all 0 for a reply extract could not read.
    public var metrics: [String: Double]? = nil
    /// classify's further modes when it returned several (`failure` is the first).
    public var moreModes: [String] = []

    public init(answer: LuaValue?, confidence: Double?, score: Double, failure: String?, detail: String?,
                verdict: Verdict? = nil, metrics: [String: Double]? = nil, moreModes: [String] = []) {
        (self.answer, self.confidence, self.score, self.failure, self.detail) = (answer, confidence, score, failure, detail)
        (self.verdict, self.metrics, self.moreModes) = (verdict, metrics, moreModes)
    }

    /// Every failure mode of the example, `failure` first; empty for a full score.
    public var modes: [String] { failure.map { [$0] + moreModes } ?? [] }
}

/// What extract made of a reply: an answer (and its confidence), or why it could not be read.
public enum Extraction: Sendable, Equatable {
    case answer(LuaValue, confidence: Double?)
    case unreadable(String)
}

/// What one hook of `evaluate` returned.
public enum HookStep: Sendable, Equatable {
    /// extract's answer and confidence, or nil and why the reply could not be read.
    case extracted(answer: LuaValue?, confidence: Double?, reason: String?)
    case scored(Double)
    /// score's named metrics, for a pack that declares `metrics` (before `scored`, the primary).
    case metrics([String: Double])
    /// classify's mode (the generic one for a pack without classify) and detail.
    case classified(mode: String, detail: String?)
    /// classify's modes after the first, when it returned several.
    case moreModes([String])
    /// The judge's verdict on what extract read, and the reference it was shown (a pack with a judge).
    case judged(Verdict, reference: String?)
}
