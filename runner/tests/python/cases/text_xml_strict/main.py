# An agent's XML validator: well-formed documents parse, malformed ones
# raise with CPython's (expat's) message, line and column, through
# ElementTree, minidom, pyexpat and SAX alike.
import io
import xml.dom.minidom
import xml.etree.ElementTree as ET
import xml.parsers.expat
import xml.sax

BAD = [
    "<a><b></a>",
    "",
    "<a>",
    "<a></b>",
    "not xml",
    "<a x='1' x='2'/>",
    "<a>&foo;</a>",
    "<a/><b/>",
    "<?xml version='1.0'?>\n<root>\n  <item>1</item>\n  <item>2</item\n</root>",
    "<a b=c/>",
    "<a>\x01</a>",
    "<p:a/>",
    "<a><!-- unclosed comment </a>",
    "<root>\n<child attr='1'>text</child>\n<child>oops</root>",
]
GOOD = [
    "<a>ok</a>",
    "<?xml version='1.0' encoding='utf-8'?><r><i n='1'>x &amp; y</i><i n='2'/><!-- c --></r>",
    "<r xmlns:p='urn:p'><p:i>1</p:i></r>",
    "<!DOCTYPE r [<!ENTITY e 'expanded'>]><r>&e;</r>",
]

for doc in BAD + GOOD:
    try:
        root = ET.fromstring(doc)
        print("ET ok:", root.tag, len(root), (root.text or "").strip())
    except ET.ParseError as e:
        print("ET ParseError:", e, e.code, e.position)

for doc in BAD[:6] + GOOD[:2]:
    try:
        d = xml.dom.minidom.parseString(doc)
        print("minidom ok:", d.documentElement.tagName)
    except xml.parsers.expat.ExpatError as e:
        print("minidom ExpatError:", e, e.code, e.lineno, e.offset)

events = []
p = xml.parsers.expat.ParserCreate()
p.StartElementHandler = lambda name, attrs: events.append(("start", name, attrs))
p.EndElementHandler = lambda name: events.append(("end", name))
p.CharacterDataHandler = lambda data: events.append(("data", data))
p.Parse("<doc><x k='v'>hi</x>", False)
p.Parse("<y/></doc>", True)
print("pyexpat events:", events)
p = xml.parsers.expat.ParserCreate()
try:
    p.Parse("<doc><x></doc>", True)
except xml.parsers.expat.ExpatError as e:
    print("pyexpat:", e, "|", xml.parsers.expat.ErrorString(e.code), p.ErrorLineNumber, p.ErrorColumnNumber)


class Count(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.n = 0

    def startElement(self, name, attrs):
        self.n += 1


h = Count()
xml.sax.parseString(b"<a><b/><b/><c><b/></c></a>", h)
print("sax elements:", h.n)
try:
    xml.sax.parseString(b"<a><b></a>", Count())
except xml.sax.SAXParseException as e:
    print("sax:", e.getMessage(), e.getLineNumber(), e.getColumnNumber())

tree = ET.parse(io.BytesIO(b"<cfg><opt name='a'>1</opt><opt name='b'>2</opt></cfg>"))
print("parse:", [(o.get("name"), o.text) for o in tree.getroot()])
try:
    ET.parse(io.BytesIO(b"<cfg><opt></cfg>"))
except ET.ParseError as e:
    print("parse error:", e)
for event, elem in ET.iterparse(io.BytesIO(b"<r><i>1</i><i>2</i></r>"), events=("end",)):
    print("iterparse:", event, elem.tag, elem.text)
