import Foundation
import PortcullisCore

/// The registry of web presenters, keyed by type: the one place in the web target that lists the types.
struct FactorPresenters: Sendable {
    private let byType: [FactorType: any FactorPresenter]
    /// In the order the enrollment and settings pages offer them.
    let all: [any FactorPresenter]

    init(_ presenters: [any FactorPresenter]) {
        self.all = presenters
        self.byType = Dictionary(uniqueKeysWithValues: presenters.map { ($0.type, $0) })
    }

    static let standard = FactorPresenters([TOTPPresenter(), WebAuthnPresenter(), SMSPresenter(), EmailPresenter(), PatternPresenter(),
                                            HOTPPresenter(), BackupCodesPresenter()])

    subscript(type: FactorType) -> (any FactorPresenter)? { byType[type] }

    /// The ways a user may add a factor, in order.
    var addOptions: [AddOption] { all.compactMap(\.addOption) }

    /// The ways a user may add a factor that their organization's policy allows.
    func addOptions(allowedBy methods: FactorMethods) -> [AddOption] {
        all.filter { methods.allowsEnrollment($0.type) }.compactMap(\.addOption)
    }

    func maskedLabel(_ factor: Factor) -> String { byType[factor.type]?.maskedLabel(factor) ?? factor.label }
}
