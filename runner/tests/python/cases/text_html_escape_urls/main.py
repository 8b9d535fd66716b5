import html
from urllib.parse import urlparse, parse_qs, urlencode, quote, unquote, urljoin

print(html.escape('<a href="x">Tom & Jerry</a>'), html.unescape("&lt;p&gt; &amp; &#39; &copy;"))
u = urlparse("https://user@example.com:8443/path/to/page.html?q=python+wasm&page=2&tag=a&tag=b#frag")
print(u.scheme, u.netloc, u.hostname, u.port, u.path, u.fragment)
print(parse_qs(u.query))
print(urlencode({"q": "a b&c", "n": 3}), quote("/a b/é"), unquote("%E2%82%AC%20x"))
print(urljoin("https://example.com/a/b/c.html", "../d.html"))
