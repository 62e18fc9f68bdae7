import HostModel
import TestSupport
import Testing
import TraceIngest

/// `BestRecentRate`: the rate over the last `smoothing` windows as a share of the best such rate
/// within the last `memory` windows; a VM that asked nothing lost nothing.
@Suite struct BestRecentRateTests {
    @Test func theShareOfTheBestSmoothedRateWithinTheMemory() {
        var r = BestRecentRate()
        let amounts: [Int64] = [4, 4, 2, 0, 0, 6, 1, 1, 1, 1]
        let shares = amounts.enumerated().map { r.push(index: Int64($0.offset), amount: $0.element, smoothing: 2, memory: 4) }
        // Sums over 2 windows: 4, 8, 6, 2, 0, 6, 7, 2, 2, 2; best within 4 windows (this one included):
        // window 5 no longer sees window 1's 8.
        let expected: [Double] = [1, 1, 0.75, 0.25, 1, 1, 1, 2.0 / 7, 2.0 / 7, 2.0 / 7]
        #expect(shares == expected)
        // Window 10 no longer sees window 6's 7: best of 2, 2, 2, 2.
        #expect(r.push(index: 10, amount: 1, smoothing: 2, memory: 4) == 1)
    }

    @Test func aLongRunKeepsTheBestOfTheMemoryOnly() {
        var r = BestRecentRate()
        var last = 0.0
        for i in 0..<1000 { last = r.push(index: Int64(i), amount: i < 500 ? 10 : 5, smoothing: 1, memory: 100) }
        #expect(last == 1)
        var s = BestRecentRate()
        var shares: [Double] = []
        for i in 0..<1000 { shares.append(s.push(index: Int64(i), amount: i < 500 ? 10 : 5, smoothing: 1, memory: 100)) }
        #expect(shares[499] == 1 && shares[500] == 0.5 && shares[598] == 0.5 && shares[599] == 1)
    }

    /// A VM reading 3 requests per window, then 1: its requests' share of its best second falls
    /// window by window as the second fills with the slower reads.
    @Test func aVMsDiskRequestsAgainstItsBestSecond() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        var sector: Int64 = 0
        for window in 0..<30 {
            for k in 0..<(window < 15 ? 3 : 1) {
                let t = Int64(window) * 100 * ms + Int64(k + 1) * 10 * ms
                b.blockIssue(t, cpu: 0, tid: 100, dev: 8, sector: sector, bytes: 4096, rwbs: "R")
                b.blockComplete(t + ms, cpu: 0, dev: 8, sector: sector, rwbs: "R")
                sector += 8
            }
        }
        let run = ModelRun(b, windowNs: 100 * ms)
        let w = run.windows(of: "qemu-system-x86-100")
        #expect(w[14].throughputOfBest.diskRequests == 1)
        // Window 15: 9 × 3 + 1 = 28 of the best second's 30; window 24: 10 × 1 of 30.
        #expect(w[15].throughputOfBest.diskRequests == 28.0 / 30)
        #expect(w[24].throughputOfBest.diskRequests == 10.0 / 30)
        #expect(w[24].throughputOfBest.diskBytes == 10.0 / 30)
        #expect(w[24].throughputOfBest.netTxBytes == 1)   // sent nothing: lost nothing
    }
}
