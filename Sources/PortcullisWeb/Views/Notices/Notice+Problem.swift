import PortcullisApp
import PortcullisCore

extension Notice {
    /// The notice for a domain error, worded by the error catalog.
    static func problem(_ error: any DomainError) -> Notice {
        .problem(error.described)
    }
}
