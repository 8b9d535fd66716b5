import random

def quicksort(a):
    if len(a) <= 1:
        return a
    pivot, *rest = a
    return quicksort([x for x in rest if x < pivot]) + [pivot] + quicksort([x for x in rest if x >= pivot])

def merge_sort(a):
    if len(a) <= 1:
        return a
    mid = len(a) // 2
    left, right = merge_sort(a[:mid]), merge_sort(a[mid:])
    out, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            out.append(left[i]); i += 1
        else:
            out.append(right[j]); j += 1
    return out + left[i:] + right[j:]

def insertion_sort(a):
    a = list(a)
    for i in range(1, len(a)):
        key, j = a[i], i - 1
        while j >= 0 and a[j] > key:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = key
    return a

data = [(i * 7919) % 1000 for i in range(300)]
expected = sorted(data)
for f in (quicksort, merge_sort, insertion_sort):
    print(f.__name__, f(data) == expected, f(data)[:5])
print(sorted(["banana", "Apple", "cherry"], key=str.lower), sorted([3, 1, 2], reverse=True))
