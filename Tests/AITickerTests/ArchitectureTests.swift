import Foundation
import Testing

/// The structure docs/architecture.md describes is the one Package.swift declares, and the rules
/// it states about the sources hold.
@Suite("Architecture")
struct ArchitectureTests {
    /// Each local target of Package.swift with the local targets it depends on (`.product`
    /// dependencies left out).
    static func declaredGraph() throws -> [String: Set<String>] {
        let manifest = try String(contentsOf: repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        var graph: [String: Set<String>] = [:]
        let target = try Regex(#"\.(?:target|executableTarget)\(\s*name:\s*"([^"]+)""#)
        for match in manifest.matches(of: target) {
            let name = String(match.output[1].substring ?? "")
            let rest = manifest[match.range.upperBound...]
            // The dependency list, when this target has one before the next target starts.
            let next = rest.range(of: ".target(")?.lowerBound ?? rest.range(of: ".executableTarget(")?.lowerBound ?? rest.endIndex
            var dependencies = Set<String>()
            if let open = rest.range(of: "dependencies: ["), open.lowerBound < next {
                // To the bracket that closes the list.
                var depth = 1
                var end = open.upperBound
                while depth > 0, end < rest.endIndex {
                    if rest[end] == "[" { depth += 1 } else if rest[end] == "]" { depth -= 1 }
                    end = rest.index(after: end)
                }
                let list = rest[open.upperBound..<end].replacing(try Regex(#"\.product\([^)]*\)"#), with: "")
                dependencies = Set(list.matches(of: try Regex(#""([^"]+)""#)).map { String($0.output[1].substring ?? "") })
            }
            graph[name] = dependencies
        }
        return graph
    }

    /// The `TARGET → DEPENDENCIES` block of docs/architecture.md.
    static func documentedGraph() throws -> [String: Set<String>] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let start = try #require(text.range(of: "```text\n"))
        let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        var graph: [String: Set<String>] = [:]
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") {
            let sides = line.split(separator: "→", omittingEmptySubsequences: false)
            let name = sides[0].trimmingCharacters(in: .whitespaces)
            graph[name] = Set(sides[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        return graph
    }

    @Test func theDocumentedGraphIsPackageSwifts() throws {
        let declared = try Self.declaredGraph()
        #expect(declared["TickerCore"] == [], "parsed: \(declared)")
        #expect(declared["TickerHTTP"]?.contains("TickerRuntime") == true)
        let documented = try Self.documentedGraph()
        for (name, dependencies) in documented {
            #expect(declared[name] == dependencies, "\(name): Package.swift says \(declared[name].map { $0.sorted() } ?? [])")
        }
        let libraries = declared.keys.filter { $0.hasPrefix("Ticker") || $0 == "AITicker" || $0 == "ai-ticker" }
        #expect(Set(libraries).isSubset(of: Set(documented.keys)), "every target of ours is in the drawing")
    }

    /// What a target must not know: TickerCore does no I/O, and neither the runtime nor the
    /// PostgreSQL wing reaches the HTTP layer (they publish through `MessagePublisher`).
    @Test func nothingBelowHTTPKnowsIt() throws {
        let graph = try Self.declaredGraph()
        func reaches(_ from: String, _ to: String, _ seen: Set<String> = []) -> Bool {
            let next = graph[from] ?? []
            return next.contains(to) || next.subtracting(seen).contains { reaches($0, to, seen.union(next)) }
        }
        for below in ["TickerCore", "TickerConfig", "TickerProviders", "TickerStorage", "TickerPostgres", "TickerRuntime"] {
            #expect(!reaches(below, "TickerHTTP"), "\(below) reaches TickerHTTP")
        }
        #expect(!reaches("TickerRuntime", "TickerPostgres"))
        #expect(!reaches("TickerStorage", "TickerPostgres"))
        #expect(!reaches("TickerConfig", "TickerProviders"))
    }

    /// No hand-written Swift file over 400 lines (generated code aside), no CLI file over 250, and
    /// no route path the CLI sends by hand: remote commands go through the generated client.
    @Test func filesStaySmallAndTheCLIUsesTheGeneratedClient() throws {
        let sources = repositoryRoot.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") && !$0.contains("/Generated/") }
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            #expect(lines <= (file.hasPrefix("ai-ticker/") ? 250 : 400), "\(file): \(lines) lines")
            if file.hasPrefix("ai-ticker/") {
                let sent = text.split(separator: "\n").filter { $0.contains("\"/api/") && !$0.contains("abstract:") && !$0.contains("help:") }
                #expect(sent.isEmpty, "\(file) spells a route: \(sent)")
            }
        }
    }
}
