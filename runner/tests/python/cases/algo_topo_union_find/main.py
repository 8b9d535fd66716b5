from graphlib import TopologicalSorter

deps = {"app": {"lib", "utils"}, "lib": {"core"}, "utils": {"core"}, "tests": {"app"}, "core": set()}
ts = TopologicalSorter(deps)
order = list(ts.static_order())
print(order.index("core") < order.index("lib") < order.index("app") < order.index("tests"))

def kahn(graph):
    indeg = {n: 0 for n in graph}
    for n, ds in graph.items():
        for d in ds:
            indeg[n] += 1
    ready = sorted(n for n, d in indeg.items() if d == 0)
    out = []
    users = {n: [m for m, ds in graph.items() if n in ds] for n in graph}
    while ready:
        n = ready.pop(0)
        out.append(n)
        for m in sorted(users[n]):
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
                ready.sort()
    return out
print(kahn(deps))

class DSU:
    def __init__(self, n):
        self.parent = list(range(n))
    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x
    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True

edges = sorted([(4, 0, 1), (8, 0, 7), (11, 1, 7), (8, 1, 2), (7, 7, 8), (1, 7, 6), (2, 2, 8), (6, 8, 6), (4, 2, 5), (7, 2, 3), (2, 6, 5), (14, 3, 5), (9, 3, 4), (10, 5, 4)])
d = DSU(9)
mst = [(u, v, w) for w, u, v in edges if d.union(u, v)]
print(sum(w for _, _, w in mst), len(mst))
