import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An element of a parsed document: namespace URI, local name, attributes (unprefixed names), children and text.
final class XMLTreeNode {
    let name: String
    let namespace: String?
    let attributes: [String: String]
    var children: [XMLTreeNode] = []
    var text = ""

    init(name: String, namespace: String?, attributes: [String: String]) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
    }

    func `is`(_ name: String, _ namespace: String) -> Bool {
        self.name == name && self.namespace == namespace
    }

    func child(_ name: String, _ namespace: String) -> XMLTreeNode? {
        children.first { $0.is(name, namespace) }
    }

    func children(_ name: String, _ namespace: String) -> [XMLTreeNode] {
        children.filter { $0.is(name, namespace) }
    }

    var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Builds an `XMLTreeNode` tree with Foundation's `XMLParser` (namespaces on, external entities off).
/// Callers must have refused DTDs already (`PSKC.precheck`).
enum XMLTree {
    static func parse(_ data: Data) -> Result<XMLTreeNode, PSKC.Message> {
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let builder = Builder()
        parser.delegate = builder
        let parsed = parser.parse()
        if let refusal = builder.refusal { return .failure(PSKC.Message(refusal)) }
        guard parsed, let root = builder.root, builder.stack.isEmpty else {
            return .failure(PSKC.Message("the file is not well-formed XML (error near line \(parser.lineNumber))"))
        }
        return .success(root)
    }

    final class Builder: NSObject, XMLParserDelegate {
        var root: XMLTreeNode?
        var stack: [XMLTreeNode] = []
        var refusal: String?

        func refuse(_ parser: XMLParser, _ message: String) {
            if refusal == nil { refusal = message }
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            guard refusal == nil else { return }
            guard stack.count < PSKC.maximumDepth else {
                refuse(parser, "the XML is nested more than \(PSKC.maximumDepth) levels deep")
                return
            }
            let element = XMLTreeNode(name: elementName, namespace: namespaceURI.flatMap { $0.isEmpty ? nil : $0 }, attributes: attributeDict)
            if let parent = stack.last {
                parent.children.append(element)
            } else if root == nil {
                root = element
            } else {
                refuse(parser, "the file is not well-formed XML (more than one root element)")
                return
            }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard refusal == nil else { return }
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
        }

        // Belt and braces: the precheck refuses DTDs, but if one ever reaches the parser, stop.
        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            refuse(parser, "DOCTYPE and ENTITY declarations are not allowed in a PSKC file")
        }

        func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
            refuse(parser, "DOCTYPE and ENTITY declarations are not allowed in a PSKC file")
        }

        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
            refuse(parser, "DOCTYPE and ENTITY declarations are not allowed in a PSKC file")
            return nil
        }
    }
}
