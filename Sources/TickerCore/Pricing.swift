/// What a provider entry's tokens cost (`price_per_million_input_tokens`, `…_output_tokens`), in
/// whatever currency the operator writes the prices in; the same currency for every entry.
public struct Pricing: Sendable, Equatable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double

    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    /// The price of one answer's tokens.
    public func cost(of usage: Usage) -> Double {
        (Double(usage.promptTokens) * inputPerMillion + Double(usage.completionTokens) * outputPerMillion) / 1_000_000
    }
}
