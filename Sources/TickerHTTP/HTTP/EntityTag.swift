/// `If-None-Match` against an ETag, weak comparison (RFC 9110 §13.1.2): a gzip answer carries
/// the weak form of the ETag, and `*` matches any.
enum EntityTag {
    static func matches(_ ifNoneMatch: String?, etag: String) -> Bool {
        ifNoneMatch?.split(separator: ",").contains { field in
            var tag = field
            while tag.first == " " || tag.first == "\t" { tag.removeFirst() }
            while tag.last == " " || tag.last == "\t" { tag.removeLast() }
            return tag == etag || tag == "W/" + etag || tag == "*"
        } ?? false
    }
}
