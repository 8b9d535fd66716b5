for i in range(1000):
    print(f"line {i:04d}")
