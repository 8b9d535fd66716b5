from collections import Counter, defaultdict, OrderedDict, deque, ChainMap, namedtuple, UserDict

c = Counter("abracadabra")
print(c.most_common(3), c["z"], sorted(c.elements())[:5], c.total())
c2 = Counter(a=1, b=5)
print(sorted((c + c2).items()), sorted((c - c2).items()), sorted((c & c2).items()))
dd = defaultdict(list)
for k, v in [("x", 1), ("y", 2), ("x", 3)]:
    dd[k].append(v)
print(dict(dd), dd["new"], len(dd))
tree = lambda: defaultdict(tree)
t = tree()
t["a"]["b"]["c"] = 1
print(t["a"]["b"]["c"], "b" in t["a"])
od = OrderedDict.fromkeys("abc")
od.move_to_end("a")
print(list(od), od.popitem(last=False))
dq = deque([1, 2, 3], maxlen=4)
dq.appendleft(0); dq.append(4); dq.rotate(1)
print(dq, dq.maxlen, dq.popleft(), dq.count(4))
cm = ChainMap({"a": 1}, {"a": 2, "b": 3})
print(cm["a"], cm["b"], dict(cm) == {"a": 1, "b": 3}, len(cm.maps))
P = namedtuple("P", ["x", "y"], defaults=[0])
print(P(1), P(1, 2)._asdict(), P._make([5, 6]))
class Lower(UserDict):
    def __setitem__(self, k, v):
        super().__setitem__(k.lower(), v)
u = Lower()
u["KEY"] = 1
print(u, "key" in u)
