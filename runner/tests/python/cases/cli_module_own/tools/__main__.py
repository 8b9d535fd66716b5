print("package main")
