import calendar
calendar.setfirstweekday(calendar.MONDAY)
print(calendar.month(2024, 2))
print(calendar.isleap(2024), calendar.leapdays(2000, 2025), [int(x) for x in calendar.monthrange(2023, 2)])
print(list(calendar.day_name)[:3], calendar.month_abbr[12])
c = calendar.TextCalendar(calendar.SUNDAY)
print(c.formatmonth(2023, 12, w=3))
print(calendar.weekday(2024, 7, 4))
