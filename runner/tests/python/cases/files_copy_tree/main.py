import shutil, os

shutil.copytree("site", "backup", ignore=shutil.ignore_patterns("*.tmp", "tmp"))
shutil.copy("site/index.html", "backup/index_copy.html")
shutil.copy2("site/css/style.css", "backup/css/style2.css")
shutil.copyfile("site/img/logo.png", "logo.png")
print(open("backup/index_copy.html").read(), os.path.exists("backup/tmp"))
shutil.copytree("site", "site2")
shutil.move("site2", "site3")
shutil.rmtree("site3")
print(sorted(os.listdir(".")))
print(shutil.which("python3") is not None, shutil.which("definitely-not-a-command"))
