"""Summarise a log with shell tools driven from Python, as generated code does."""
import os
import subprocess
import sys

LOG = """2026-01-01 INFO start
2026-01-01 ERROR disk full
2026-01-02 WARN slow response
2026-01-02 ERROR timeout
2026-01-03 INFO stop
"""

with open("app.log", "w") as f:
    f.write(LOG)

errors = subprocess.run(["grep", "-c", "ERROR", "app.log"], capture_output=True, text=True)
print("errors:", errors.stdout.strip(), "status", errors.returncode)

levels = subprocess.check_output("cut -d' ' -f2 app.log | sort | uniq -c", shell=True, text=True)
for line in levels.splitlines():
    count, level = line.split()
    print(f"{level:6} {count}")

words = subprocess.run(["wc", "-w"], input=LOG, capture_output=True, text=True)
print("words:", words.stdout.split()[0])

upper = subprocess.run(["tr", "a-z", "A-Z"], input=b"shout\n", stdout=subprocess.PIPE)
print("bytes:", upper.stdout)

try:
    subprocess.run(["grep", "-q", "FATAL", "app.log"], check=True)
except subprocess.CalledProcessError as e:
    print("no FATAL lines, grep exited", e.returncode)

try:
    subprocess.run(["definitely-not-a-command", "--help"])
except FileNotFoundError as e:
    print("missing program:", e.filename)

status = os.system("sort -r app.log > sorted.log")
print("system:", status, open("sorted.log").readline().strip())

with subprocess.Popen(["head", "-n", "2", "app.log"], stdout=subprocess.PIPE, text=True) as p:
    first_two = [line.split()[1] for line in p.stdout]
print("first two levels:", first_two, "exit", p.returncode)

child = subprocess.run([sys.executable, "-c", "import sys; print(sum(map(int, sys.argv[1:])))", "4", "5", "6"],
                       capture_output=True, text=True)
print("child python:", child.stdout.strip())
sys.exit(subprocess.call(["test", "-s", "sorted.log"]))
