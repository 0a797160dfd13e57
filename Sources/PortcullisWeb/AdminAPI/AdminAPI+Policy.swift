import PortcullisAdminAPI

/// The organization's policy (SPEC §4.1): its domain service is not built yet, so reading and changing it answer 501
/// (`api.not_implemented`) until it lands.
extension AdminAPI {
    func getPolicy(_ input: Operations.GetPolicy.Input) async throws -> Operations.GetPolicy.Output {
        throw AdminAPIProblem.notImplemented("getPolicy")
    }

    func updatePolicy(_ input: Operations.UpdatePolicy.Input) async throws -> Operations.UpdatePolicy.Output {
        throw AdminAPIProblem.notImplemented("updatePolicy")
    }
}
