import PortcullisAdminAPI

/// The audit log (SPEC §4.4): the query with keyset paging and the streamed export are not built in the domain yet,
/// so both answer 501 (`api.not_implemented`) until they land.
extension AdminAPI {
    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        throw AdminAPIProblem.notImplemented("listAuditEvents")
    }

    func exportAuditEvents(_ input: Operations.ExportAuditEvents.Input) async throws -> Operations.ExportAuditEvents.Output {
        throw AdminAPIProblem.notImplemented("exportAuditEvents")
    }
}
