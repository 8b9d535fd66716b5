from pathlib import Path

root = Path("project")
(root / "src" / "pkg").mkdir(parents=True)
(root / "docs").mkdir()
(root / "src" / "pkg" / "__init__.py").write_text("")
(root / "src" / "pkg" / "core.py").write_text("def f():\n    return 1\n")
(root / "docs" / "index.md").write_text("# Title\n", encoding="utf-8")
(root / "README.md").write_bytes(b"readme\n")
for p in sorted(root.rglob("*")):
    kind = "dir " if p.is_dir() else "file"
    print(kind, p.relative_to(root), p.stat().st_size if p.is_file() else "")
core = root / "src/pkg/core.py"
print(core.name, core.stem, core.suffix, core.parent.name, core.parts[-3:], core.with_suffix(".txt").name)
print(sorted(str(p) for p in root.glob("**/*.md")))
print(core.read_text().splitlines(), core.exists(), (root / "nope").exists())
renamed = core.rename(core.with_name("engine.py"))
print(renamed.name, sorted(x.name for x in (root / "src/pkg").iterdir()))
print(Path("a/b/../c").parts, Path("/x/y").is_absolute(), Path("a") / "b" / "c.txt", Path("x.tar.gz").suffixes)
(root / "docs" / "index.md").unlink()
(root / "docs").rmdir()
print(sorted(p.name for p in root.iterdir()))
