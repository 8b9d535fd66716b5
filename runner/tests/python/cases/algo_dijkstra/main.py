import heapq
from collections import defaultdict

graph = defaultdict(list)
for line in open("graph.txt"):
    a, b, w = line.split()
    graph[a].append((b, int(w)))
    graph[b].append((a, int(w)))

def dijkstra(src):
    dist = {src: 0}
    prev = {}
    pq = [(0, src)]
    while pq:
        d, u = heapq.heappop(pq)
        if d > dist.get(u, float("inf")):
            continue
        for v, w in graph[u]:
            nd = d + w
            if nd < dist.get(v, float("inf")):
                dist[v] = nd
                prev[v] = u
                heapq.heappush(pq, (nd, v))
    return dist, prev

dist, prev = dijkstra("A")
for node in sorted(dist):
    path, n = [], node
    while n != "A":
        path.append(n)
        n = prev[n]
    print(node, dist[node], "->".join(["A"] + path[::-1]))
print(heapq.nsmallest(3, [5, 1, 8, 3, 9, 2]), heapq.nlargest(2, ["a", "c", "b"]))
