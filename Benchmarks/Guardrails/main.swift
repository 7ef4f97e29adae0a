// What the guardrail rules cost per message (BENCHMARKS.md): a words rule of WORDS entries, a
// regex rule of EXPRESSIONS patterns and every built-in detector, checked against a set of
// ticker-length lines (clean ones, and ones each rule finds something in). Prints the time to
// build the rules once and the median and p99 time per message over ROUNDS passes.
// Usage: guardrail-bench [WORDS] [EXPRESSIONS] [ROUNDS]   (release: swift run -c release guardrail-bench)
import Foundation
import TickerConfig
import TickerRuntime

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let (wordCount, expressionCount, rounds) = (arguments.first ?? 1_000, arguments.dropFirst().first ?? 50, arguments.dropFirst(2).first ?? 200)

// Made-up words of 4 to 9 letters and a few phrases, so the list is as long as asked.
var generator = SystemRandomNumberGenerator()
let letters = Array("abcdefghijklmnopqrstuvwxyz")
var words = (0..<wordCount).map { _ in String((0..<Int.random(in: 4...9, using: &generator)).map { _ in letters.randomElement(using: &generator)! }) }
words[0] = "darn"
words[1] = "bad phrase"
var rules = [GuardrailRuleConfiguration(name: "words", kind: .words)]
rules[0].words = words
var regex = GuardrailRuleConfiguration(name: "patterns", kind: .regex, action: .log)
regex.patterns = (0..<expressionCount).map { "\\b(?:promo|offer)\\s*code\\s*\($0)\\d{2}\\b" }
rules.append(regex)
for (name, kind) in [("pii", GuardrailRuleConfiguration.Kind.pii), ("secrets", .secrets), ("links", .links), ("echo", .promptEcho)] {
    rules.append(GuardrailRuleConfiguration(name: name, kind: kind, action: kind == .pii ? .redact : .block))
}
let configuration = GuardrailConfiguration(rules: rules)
let lines = [
    "Small steps every day add up to big changes by the end of the year.",
    "The city library opens a new reading room on the second floor this Monday.",
    "A clean desk is a quiet invitation to start the task you keep putting off.",
    "What the d4rn is this weather doing to the morning commute across town?",
    "Mail jane.doe@example.org for the schedule, or call +49 30 1234567 today.",
    "Read more at www.example.org/news about the festival this weekend.",
    "Use promo code 1742 at the counter for a free coffee with any pastry.",
    "Your key is sk-proj-abcdefghijklmnopqrstuvwxyz0123456789 keep it safe.",
]
let prompts = ["You write one short, friendly line for a lobby screen.", "Write one line about the day ahead."]

let built = ContinuousClock.now
let guardrails = Guardrails(configuration)
let buildTime = ContinuousClock.now - built

var times: [Duration] = []
var decisions = 0
for _ in 0..<rounds {
    for line in lines {
        let started = ContinuousClock.now
        decisions += guardrails.check(line, prompts: prompts).decisions.count
        times.append(ContinuousClock.now - started)
    }
}
times.sort()
func microseconds(_ duration: Duration) -> String {
    String(format: "%.0f µs", Double(duration.components.attoseconds) / 1e12 + Double(duration.components.seconds) * 1e6)
}
print("guardrail-bench: \(wordCount) words, \(expressionCount) expressions, pii, secrets, links, prompt echo; \(lines.count) lines x \(rounds) rounds")
print("- building the rules once: \(microseconds(buildTime))")
print("- per message: median \(microseconds(times[times.count / 2])), p99 \(microseconds(times[times.count * 99 / 100])), max \(microseconds(times.last!)); \(decisions / rounds) decisions per round")
