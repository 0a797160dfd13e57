import PortcullisCore

extension Flash {
    /// A flash that shows `notice` on the next page (as its notice or its error), with a form's entered `values`.
    init(_ notice: Notice, values: [String: String] = [:]) {
        self.init(notice: notice.isError ? nil : notice.text, error: notice.isError ? notice.text : nil, values: values)
    }
}
