import Foundation

/// RFC 3339 UTC timestamps, the one date format of the API and the database.
public enum RFC3339 {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let plain = Date.ISO8601FormatStyle()

    public static func string(from date: Date) -> String {
        withFraction.format(date)
    }

    public static func date(from string: String) -> Date? {
        (try? withFraction.parse(string)) ?? (try? plain.parse(string))
    }
}
