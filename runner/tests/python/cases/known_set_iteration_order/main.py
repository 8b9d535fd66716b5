tags = {"python", "rust", "wasm", "shell", "data", "csv"}
print(list(tags))
print(sorted(tags))
print({"apple": 1} .keys() | {"pear", "fig"} == {"apple", "pear", "fig"})
