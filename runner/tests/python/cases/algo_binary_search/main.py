import bisect

def binary_search(a, x):
    lo, hi = 0, len(a) - 1
    steps = 0
    while lo <= hi:
        steps += 1
        mid = (lo + hi) // 2
        if a[mid] == x:
            return mid, steps
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1, steps

a = list(range(0, 1000, 3))
for x in (0, 3, 500, 501, 999, 996):
    print(x, binary_search(a, x), bisect.bisect_left(a, x), bisect.bisect_right(a, x))
grades = "FDCBA"
breakpoints = [60, 70, 80, 90]
print([grades[bisect.bisect(breakpoints, s)] for s in (33, 99, 77, 70, 89, 90, 100)])
s = [1, 4, 9]
bisect.insort(s, 5)
print(s)
