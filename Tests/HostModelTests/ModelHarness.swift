import HostModel
import TestSupport
import TraceIngest

/// Runs built events through a host model and collects its windows.
struct ModelRun {
    let model: HostModel
    let windows: [VMWindow]
    let hostWindows: [HostWindow]

    init(_ builder: EventBuilder, windowNs: Int64 = 100_000_000, vmNames: [Int32: String] = [:]) {
        self.init(builder, configuration: .init(windowNs: windowNs, vmNames: vmNames))
    }

    init(_ builder: EventBuilder, configuration: HostModelConfiguration) {
        let model = HostModel(strings: builder.strings, configuration: configuration)
        var windows: [VMWindow] = []
        var hostWindows: [HostWindow] = []
        model.onWindow = { windows.append($0) }
        model.onHostWindow = { hostWindows.append($0) }
        for e in builder.sorted { model.consume(e) }
        model.finish()
        self.model = model
        self.windows = windows
        self.hostWindows = hostWindows
    }

    func windows(of vm: String) -> [VMWindow] {
        guard let index = model.registry.vms.firstIndex(where: { $0.name == vm }) else { return [] }
        return windows.filter { $0.vm == index }
    }
}

let ms: Int64 = 1_000_000
