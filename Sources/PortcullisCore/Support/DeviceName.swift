/// A remembered device's name from its User-Agent header, as lists show it: "Chrome on Linux", "Safari on iPhone".
/// Only the name is kept, never the header itself.
public enum DeviceName {
    /// The longest name kept.
    public static let maximumLength = 64

    public static func from(userAgent: String?) -> String {
        guard let agent = userAgent, !agent.isEmpty else { return "Unknown browser" }
        let name: String
        switch (browser(agent), system(agent)) {
        case (let browser?, let system?): name = "\(browser) on \(system)"
        case (let browser?, nil): name = browser
        case (nil, let system?): name = "A browser on \(system)"
        case (nil, nil): name = "Unknown browser"
        }
        return String(name.prefix(maximumLength))
    }

    /// The browser, most specific first (Edge, Opera, Samsung Internet and Chromium also say "Chrome"; Chrome says "Safari").
    static func browser(_ agent: String) -> String? {
        let known: [(String, [String])] = [
            ("Edge", ["Edg/", "EdgA/", "EdgiOS/"]), ("Opera", ["OPR/", "Opera"]), ("Samsung Internet", ["SamsungBrowser/"]),
            ("Firefox", ["Firefox/", "FxiOS/"]), ("Chromium", ["Chromium/"]), ("Chrome", ["CriOS/", "Chrome/"]), ("Safari", ["Safari/"]),
        ]
        return known.first { _, marks in marks.contains { agent.contains($0) } }?.0
    }

    /// The operating system, most specific first (Android also says "Linux"; iOS also says "Mac OS X").
    static func system(_ agent: String) -> String? {
        let known: [(String, [String])] = [
            ("iPhone", ["iPhone"]), ("iPad", ["iPad"]), ("Android", ["Android"]), ("ChromeOS", ["CrOS"]), ("Windows", ["Windows"]),
            ("macOS", ["Macintosh", "Mac OS X"]), ("Linux", ["Linux", "X11"]),
        ]
        return known.first { _, marks in marks.contains { agent.contains($0) } }?.0
    }
}
