import AITicker
import Foundation

// Everything the CLI writes goes through these two functions (this `print` shadows the standard
// library's for the whole executable): control characters in what it prints (a stored message,
// a provider's detail, an answer of the service) are written as `\x1b`-style escapes, so nothing
// stored or received can move the cursor, retitle or clear a terminal. Only the line breaks the
// CLI puts between its own lines stay; one inside a table cell or a message is escaped too.

func print(_ text: String) {
    FileHandle.standardOutput.write(Data((terminalSafe(text) + "\n").utf8))
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((terminalSafe(text) + "\n").utf8))
}

/// `text` with its control characters escaped, line by line.
func terminalSafe(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { MessageText.visible(String($0)) }.joined(separator: "\n")
}
