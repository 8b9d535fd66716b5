import csv
from datetime import datetime, timezone, timedelta
from zoneinfo import ZoneInfo, available_timezones

zones = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]
print(all(z in available_timezones() for z in zones), "UTC" in available_timezones())
with open("meetings.csv") as f:
    for row in csv.DictReader(f):
        start = datetime.fromisoformat(row["start_utc"]).replace(tzinfo=timezone.utc)
        local = [start.astimezone(ZoneInfo(z)) for z in zones]
        print(f"{row['title']:<9}" + " | ".join(f"{t:%a %H:%M %Z}" for t in local))
ny = ZoneInfo("America/New_York")
before = datetime(2024, 3, 10, 1, 30, tzinfo=ny)
after = before + timedelta(hours=1)
print(before.utcoffset(), after.utcoffset(), before.dst(), (after.astimezone(timezone.utc) - before.astimezone(timezone.utc)))
print(datetime(2024, 11, 3, 1, 30, tzinfo=ny, fold=1).tzname(), datetime(2024, 11, 3, 1, 30, tzinfo=ny).tzname())
try:
    ZoneInfo("Mars/Olympus_Mons")
except Exception as e:
    print(type(e).__name__)
print(ZoneInfo("UTC").key, str(ZoneInfo("Europe/Paris")))
