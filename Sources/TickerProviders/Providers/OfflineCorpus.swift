/// The messages the `offline` plugin draws from (`Resources/offline_corpus.txt`, one per line):
/// shipped in the binary so it works with no network or files.
enum OfflineCorpus {
    static let messages: [String] = String(decoding: PackageResources.offline_corpus_txt, as: UTF8.self)
        .split(separator: "\n").map(String.init)
}
