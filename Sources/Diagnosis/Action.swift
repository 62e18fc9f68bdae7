/// What an operator should do about a period, with the numbers behind it (issue #6).
public struct Action: Sendable, Codable, Equatable {
    public var summary: String
    public var detail: String
}

/// Chooses the action from the kind and the culprit: move or cap the culprit (`cpu.max`,
/// `io.max`), shape its traffic, or add resources when the VM interferes with itself.
public enum ActionAdvisor {
    public static func action(for period: InterferencePeriod, culprit: Culprit) -> Action {
        let seconds = String(format: "%.1f", Double(period.endNs - period.startNs) / 1e9)
        guard let name = culprit.name else {
            if culprit.share == 0 {
                return Action(summary: "add resources to \(period.vm)",
                              detail: "\(culprit.evidence); give it more \(more(of: Resource(contendedBy: period.kind))) or move it to a less loaded host")
            }
            return Action(summary: "move \(period.vm) to a less loaded host or CPUs",
                          detail: "\(culprit.evidence) over \(seconds) s; no single neighbour to cap")
        }
        switch Resource(contendedBy: period.kind) {
        case .disk:
            return Action(summary: "cap \(name)'s I/O with io.max on \(culprit.resource.device ?? culprit.resource.rawValue), or move one of them to another device",
                          detail: culprit.evidence + " during \(seconds) s")
        case .link:
            return Action(summary: "shape \(name)'s traffic (tc) or move it to another link",
                          detail: culprit.evidence + " during \(seconds) s")
        case .cpu:
            return Action(summary: "pin \(name) and \(period.vm) to different CPUs (cpuset), or cap \(name) with cpu.max",
                          detail: culprit.evidence + " during \(seconds) s")
        }
    }

    /// What a VM that interferes with itself needs more of.
    static func more(of resource: Resource) -> String {
        switch resource {
        case .disk: return "disk bandwidth"
        case .link: return "link bandwidth"
        case .cpu: return "vCPUs or CPUs"
        }
    }
}
