from collections import OrderedDict

class Trie:
    def __init__(self):
        self.root = {}
    def insert(self, word):
        node = self.root
        for ch in word:
            node = node.setdefault(ch, {})
        node["$"] = True
    def starts_with(self, prefix):
        node = self.root
        for ch in prefix:
            if ch not in node:
                return []
            node = node[ch]
        out = []
        def walk(n, acc):
            for k in sorted(n):
                if k == "$":
                    out.append(prefix + acc)
                else:
                    walk(n[k], acc + k)
        walk(node, "")
        return out

class LRU:
    def __init__(self, cap):
        self.cap, self.data = cap, OrderedDict()
    def get(self, k):
        if k not in self.data:
            return None
        self.data.move_to_end(k)
        return self.data[k]
    def put(self, k, v):
        self.data[k] = v
        self.data.move_to_end(k)
        if len(self.data) > self.cap:
            self.data.popitem(last=False)

t = Trie()
for w in "car card care careful cat dog dot".split():
    t.insert(w)
print(t.starts_with("car"), t.starts_with("do"), t.starts_with("x"))
c = LRU(2)
c.put("a", 1); c.put("b", 2); c.get("a"); c.put("c", 3)
print(list(c.data.items()), c.get("b"))
