import NIOCore
import Synchronization

/// Encoded `GET /api/messages` pages, so a page is read and encoded once, not per request.
///
/// A page is keyed by its `limit` and the id it starts below; the newest page starts below the
/// latest message's id + 1. Stored records never change, so a page changes only when retention
/// deletes messages in it: each new message (`advance`) drops the pages that pruning can have
/// touched, and a read that was under way meanwhile does not store what it read. At most the
/// budget's share bytes are kept, counting each page's whole cost; the least recently used pages
/// go first.
final class HistoryPages: Sendable {
    struct Key: Hashable, Sendable {
        let limit: Int
        let before: Int64
    }

    struct Page: Sendable {
        let body: ByteBuffer
        /// The body compressed, made when a client first asks for it.
        var gzip: ByteBuffer?
        /// The smallest id on the page; nil when the page is empty. Retention deletes the
        /// oldest ids, so the page shows the same while they stay below this.
        let lowest: Int64?
        fileprivate var used: UInt64 = 0

        init(body: ByteBuffer, lowest: Int64?) {
            self.body = body
            self.lowest = lowest
        }

        /// What keeping it costs: both buffers' storage and the entry itself (its key, this
        /// value in the table, the buffers' headers), so many small pages count for what they
        /// hold, not for their few body bytes.
        var size: Int { body.storageCapacity + (gzip?.storageCapacity ?? 0) + HistoryPages.entryOverhead }
    }

    /// The key of the page `limit`/`before` asks for while `head` is the message served; nil
    /// when that page is not kept: no message yet, or one reaching past `head` (only possible
    /// while a new message is on its way here), which is read as it is.
    static func key(limit: Int, before: Int64?, head: Int64?) -> Key? {
        guard let head, head < Int64.max, (before ?? head + 1) <= head + 1 else { return nil }
        return Key(limit: limit, before: before ?? head + 1)
    }

    private struct State {
        var pages: [Key: Page] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        /// Counts the changes a read under way must not miss (`advance`, `removeAll`).
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    let budget: PageBudget
    /// Bytes a kept page costs beside its buffers' storage: 387 were measured per empty page
    /// with its 64-byte body, the table's slack included (BENCHMARKS.md).
    static let entryOverhead = 336

    init(budget: PageBudget) {
        self.budget = budget
    }

    /// A cache of its own, with `budget` bytes.
    convenience init(budget: Int) {
        self.init(budget: PageBudget(total: budget, floor: 0))
    }

    /// Where a read starts: pass it back to `store` so a page read across a change is not kept.
    var generation: UInt64 { state.withLock { $0.generation } }

    func page(_ key: Key) -> Page? {
        state.withLock { state in
            guard state.pages[key] != nil else { return nil }
            state.clock += 1
            state.pages[key]!.used = state.clock
            return state.pages[key]
        }
    }

    /// Keeps `page` unless something changed since `generation` was read.
    func store(_ page: Page, for key: Key, readAt generation: UInt64) {
        let budget = budget.share
        state.withLock { state in
            guard state.generation == generation, page.size <= budget / 4 else { return }
            var page = page
            state.clock += 1
            page.used = state.clock
            state.bytes += page.size - (state.pages.updateValue(page, forKey: key)?.size ?? 0)
            guard state.bytes > budget else { return }
            // Down to three quarters, so eviction is not paid again at the next page.
            for (key, page) in state.pages.sorted(by: { $0.value.used < $1.value.used }) where state.bytes > budget * 3 / 4 {
                state.pages[key] = nil
                state.bytes -= page.size
            }
        }
    }

    /// Adds the compressed body to a page still held.
    func store(gzip: ByteBuffer, for key: Key) {
        state.withLock { state in
            guard state.pages[key] != nil, state.pages[key]!.gzip == nil else { return }
            state.pages[key]!.gzip = gzip
            state.bytes += gzip.storageCapacity
        }
    }

    /// A new message was stored and retention deleted every id up to `deletedUpTo`: the pages
    /// that reach that far are dropped. Nil when that is not known (another instance stored
    /// it): every page is dropped.
    func advance(deletedUpTo cutoff: Int64?) {
        state.withLock { state in
            state.generation += 1
            guard let cutoff else {
                state.pages.removeAll()
                state.bytes = 0
                return
            }
            for (key, page) in state.pages where (page.lowest ?? .max) <= cutoff {
                state.pages[key] = nil
                state.bytes -= page.size
            }
        }
    }

    var count: Int { state.withLock { $0.pages.count } }
}

/// The bytes every channel's history pages may hold, shared out evenly among the channels that
/// have a cache, each keeping at least `floor`: memory stays bounded however many channels a
/// crawler reads, and one channel alone has all of it.
final class PageBudget: Sendable {
    let total: Int
    let floor: Int
    private let channels = Atomic<Int>(0)

    init(total: Int = 8 << 20, floor: Int = 512 << 10) {
        self.total = total
        self.floor = floor
    }

    /// One more channel keeps pages.
    func join() {
        channels.add(1, ordering: .relaxed)
    }

    var share: Int { max(floor, total / max(1, channels.load(ordering: .relaxed))) }
}
