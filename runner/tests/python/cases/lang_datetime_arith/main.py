from datetime import datetime, date, time, timedelta, timezone

d1 = date(2024, 1, 31)
print(d1 + timedelta(days=1), d1 - date(2023, 12, 25), d1.weekday(), d1.isoweekday(), d1.isocalendar()[1])
print(date.fromisoformat("2024-02-29").replace(year=2028), date(2024, 3, 1) - timedelta(days=1))
dt = datetime(2024, 3, 10, 14, 30, 0)
print(dt + timedelta(hours=36, minutes=45), (dt - datetime(2024, 1, 1)).total_seconds(), dt.timestamp() if dt.tzinfo else "naive")
utc = dt.replace(tzinfo=timezone.utc)
est = utc.astimezone(timezone(timedelta(hours=-5), "EST"))
print(utc.isoformat(), est.isoformat(), est.tzname(), est.utcoffset(), utc.timestamp())
print(datetime.fromtimestamp(0, tz=timezone.utc), datetime.fromtimestamp(1700000000, timezone.utc).strftime("%c"))
print(datetime.strptime("2023-07-04 09:15", "%Y-%m-%d %H:%M").strftime("%A, %B %d, %Y at %I:%M %p"))
print(datetime.strptime("12/25/23", "%m/%d/%y").date(), datetime.strptime("Mon Jan  1 2024", "%a %b %d %Y").isoformat())
print(datetime.fromisoformat("2024-05-06T07:08:09+02:00").astimezone(timezone.utc))
delta = timedelta(days=2, hours=3, seconds=61)
print(delta, delta.days, delta.seconds, str(timedelta(seconds=-1)), timedelta(weeks=1) // timedelta(days=2))
print(time(9, 5).strftime("%H:%M"), time.fromisoformat("23:59:59").second, datetime.combine(date(2024, 1, 1), time(12)))
def business_days(start, end):
    n, cur = 0, start
    while cur < end:
        if cur.weekday() < 5:
            n += 1
        cur += timedelta(days=1)
    return n
print(business_days(date(2024, 1, 1), date(2024, 2, 1)))
ages = [date(2024, 6, 1).year - b.year - ((6, 1) < (b.month, b.day)) for b in (date(1990, 5, 31), date(1990, 6, 2))]
print(ages, sorted([date(2024, 3, 1), date(2023, 3, 1), date(2024, 1, 1)]))
