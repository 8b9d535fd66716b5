def matmul(a, b):
    return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]

def identity(n):
    return [[int(i == j) for j in range(n)] for i in range(n)]

def matpow(m, p):
    result = identity(len(m))
    while p:
        if p & 1:
            result = matmul(result, m)
        m = matmul(m, m)
        p >>= 1
    return result

def det(m):
    if len(m) == 1:
        return m[0][0]
    return sum((-1) ** c * m[0][c] * det([row[:c] + row[c + 1:] for row in m[1:]]) for c in range(len(m)))

a = [[1, 2], [3, 4]]
print(matmul(a, a), matpow([[1, 1], [1, 0]], 50)[0][1])
m = [[2, -3, 1], [2, 0, -1], [1, 4, 5]]
print(det(m), [list(r) for r in zip(*m)])
for row in matmul(m, identity(3)):
    print(" ".join(f"{v:4d}" for v in row))
