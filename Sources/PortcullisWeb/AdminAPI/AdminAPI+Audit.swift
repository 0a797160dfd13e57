import PortcullisAdminAPI

/// The audit log (SPEC §4.4): the query with keyset paging and the streamed export need the audit service, which comes
/// with another branch; until it is merged both answer 501 (`api.not_implemented`), the only operations that still do.
extension AdminAPI {
    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        throw AdminAPIProblem.notImplemented("listAuditEvents")
    }

    func exportAuditEvents(_ input: Operations.ExportAuditEvents.Input) async throws -> Operations.ExportAuditEvents.Output {
        throw AdminAPIProblem.notImplemented("exportAuditEvents")
    }
}
