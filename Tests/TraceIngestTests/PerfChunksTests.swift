import TraceIngest
import Testing

/// Which of perf's `--switch-output` files are finished, and their order.
@Suite struct PerfChunksTests {
    @Test func onlyRenamedChunksCountOldestFirst() {
        let names = ["chunk.data", "chunk.data.2026120312092180", "chunk.data.2026120312091985", "perf.log",
                     "chunk.data.2026120312092122", "chunk.data.tmp", "chunk.data.", "ctf-2026120312091985", "other.data.2026120312091985"]
        #expect(PerfChunks.finished(names, prefix: "chunk.data")
                == ["chunk.data.2026120312091985", "chunk.data.2026120312092122", "chunk.data.2026120312092180"])
    }

    @Test func noChunkYet() {
        #expect(PerfChunks.finished(["chunk.data"], prefix: "chunk.data").isEmpty)
    }
}
