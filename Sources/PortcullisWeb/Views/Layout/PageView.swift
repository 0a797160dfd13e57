/// A page's view model: the values its template (`Templates/<template>.mustache`) shows inside the layout. A struct
/// of plain values (strings, numbers, Booleans, optionals, arrays, nested view structs), rendered through reflection:
/// a Boolean, optional or array property opens a `{{#section}}`.
protocol PageView: Sendable {
    /// The page's template, without `.mustache`; it fills the layout's `content` block (`{{<layout}}{{$content}}…`).
    static var template: String { get }
    /// The page's name in the browser's title bar and tab (before " · Portcullis").
    var title: String { get }
    /// What the page says above its content: its own notice or error. When nil, the one the form before it left in
    /// the session's flash (Post/Redirect/Get), if any.
    var notice: Notice? { get }
}

extension PageView {
    var notice: Notice? { nil }
}
