import Foundation

/// What a user is told about their own account's security (SPEC §5): never a secret, never a link that signs in.
public enum SecurityNotice: Sendable, Equatable {
    case factorAdded(method: String, label: String)
    case factorRemoved(method: String, label: String)
    case backupCodesRegenerated
    case backupCodesLow(remaining: Int)
    case passwordChanged
    case passwordReset
    case accountLocked
    case deviceRemembered(device: String)
    case newDeviceSignIn(device: String, ip: String)
}

/// Where a notice goes: email where the user has an address, else a text message.
public struct NoticeDestination: Sendable, Equatable {
    public var channel: MessageChannel
    public var address: String
}

/// Delivers security notices (implemented over the email and SMS providers, with templates). Must not throw:
/// a failure is logged, and the action that caused the notice goes on.
public protocol SecurityNotifier: Sendable {
    func deliver(_ notice: SecurityNotice, to destination: NoticeDestination, user: User, organization: Organization, at: Date) async
}

extension FactorContext {
    /// Tells the user about `notice`, in the background: the action that caused it neither waits for the provider
    /// nor fails with it, and its timing does not change. Email to the user's address (the one an administrator
    /// recorded, else a confirmed email factor's), else SMS to their phone (recorded, else a confirmed SMS factor's).
    public func notify(_ notice: SecurityNotice, userID: String) {
        guard let notifier else { return }
        let (repositories, now, methods) = (self.repositories, clock.now, self.methods)
        Task {
            guard let user = try? await repositories.users.find(id: userID),
                  let organization = try? await repositories.organizations.find(id: user.organizationID),
                  let destination = try? await Self.destination(of: user, repositories: repositories, methods: methods) else { return }
            await notifier.deliver(notice, to: destination, user: user, organization: organization, at: now)
        }
    }

    static func destination(of user: User, repositories: Repositories, methods: FactorMethods) async throws -> NoticeDestination? {
        if let email = user.email, !email.isEmpty { return NoticeDestination(channel: .email, address: email) }
        let factors = try await repositories.factors.list(userID: user.id).filter(\.confirmed)
        func address(_ channel: MessageChannel) -> String? {
            for factor in factors {
                if let method = methods[factor.type] as? any MessageCodeFactor, method.channel == channel,
                   let address = try? method.destination(of: factor) { return address }
            }
            return nil
        }
        if let email = address(.email) { return NoticeDestination(channel: .email, address: email) }
        if let phone = user.phone, !phone.isEmpty { return NoticeDestination(channel: .sms, address: phone) }
        if let phone = address(.sms) { return NoticeDestination(channel: .sms, address: phone) }
        return nil
    }
}
