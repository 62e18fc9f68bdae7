import Testing
@testable import Report

@Suite struct TimeBinsTests {
    @Test func spreadSplitsAnIntervalOverBins() {
        let bins = TimeBins(originNs: 100, widthNs: 10, capacity: 4)
        var parts: [(Int, Int64)] = []
        bins.spread(105, 127) { parts.append(($0, $1)) }
        #expect(parts.map(\.0) == [0, 1, 2])
        #expect(parts.map(\.1) == [5, 10, 7])
    }

    @Test func widthDoublesUntilTheTimeFits() {
        let bins = TimeBins(originNs: 0, widthNs: 10, capacity: 4)
        #expect(bins.doublingsNeeded(for: 39) == 0)
        #expect(bins.doublingsNeeded(for: 40) == 1)
        #expect(bins.doublingsNeeded(for: 160) == 3)
    }

    @Test func mergingPairsKeepsTheTotal() {
        #expect(mergePairs([1, 2, 3, 4, 5], +) == [3, 7, 5])
    }
}
