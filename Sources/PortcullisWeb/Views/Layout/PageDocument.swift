/// What a page template is rendered with: the layout's values and the page's view model. The layout template opens
/// `{{#page}}` around its `content` block, so a page template names its own values directly (`{{displayName}}`) and
/// the layout's through `layout.` (`{{layout.csrf}}`, which is what the `csrf` partial writes).
struct PageDocument<Page: PageView>: Sendable {
    let layout: LayoutView
    let page: Page
}
