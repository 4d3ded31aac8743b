"""Date arithmetic without datetime: leap years, day of week, days between dates."""

MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def days_in_month(y, m):
    return 29 if m == 2 and is_leap(y) else MONTH_DAYS[m - 1]


def ordinal(y, m, d):
    y1 = y - 1
    days = y1 * 365 + y1 // 4 - y1 // 100 + y1 // 400
    days += sum(days_in_month(y, k) for k in range(1, m))
    return days + d


def weekday(y, m, d):
    return NAMES[(ordinal(y, m, d) - 1) % 7]


def add_days(y, m, d, n):
    d += n
    while d > days_in_month(y, m):
        d -= days_in_month(y, m)
        m += 1
        if m > 12:
            m, y = 1, y + 1
    return y, m, d


def month_grid(y, m):
    first = (ordinal(y, m, 1) - 1) % 7
    cells = ["  "] * first + [f"{d:2d}" for d in range(1, days_in_month(y, m) + 1)]
    return [" ".join(cells[i : i + 7]) for i in range(0, len(cells), 7)]


print([y for y in range(1896, 1912) if is_leap(y)], is_leap(2000), is_leap(2100))
print(weekday(1969, 7, 20), weekday(2000, 1, 1), weekday(2024, 2, 29))
print(ordinal(2024, 12, 31) - ordinal(2024, 1, 1), add_days(2023, 12, 25, 10), add_days(2024, 2, 28, 1))
print("\n".join(month_grid(2024, 2)))
