"""Opening hours in a few lines: consecutive days with equal hours grouped, 24-hour service named
as such, closed days named, in Chinese and in English (pure: the words are passed in)."""
from __future__ import annotations

from datetime import time

from portal.directory.hours import DayHours, HourWords, group_days, week_lines

ZH = HourWords(short_days=("周一", "周二", "周三", "周四", "周五", "周六", "周日"), day_range="{first}至{last}",
               day_pair="{first}、{second}", every_day="每天", all_day="24 小时", always="24 小时开放",
               closed="休息")
EN = HourWords(short_days=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), day_range="{first}–{last}",
               day_pair="{first}, {second}", every_day="Every day", all_day="24 hours", always="Open 24 hours",
               closed="closed")
OFFICE = ((time(8, 30), time(17, 0)),)
ALL_DAY = ((time(0, 0), time(23, 59)),)


def _week(by_day: dict[int, tuple]) -> list[DayHours]:
    return [DayHours(d, by_day.get(d, ())) for d in range(1, 8)]


def test_weekdays_with_equal_hours_make_one_line_and_the_weekend_is_named_closed():
    week = _week({d: OFFICE for d in range(1, 6)})
    assert week_lines(week, ZH) == ["周一至周五 08:30–17:00", "周六、周日 休息"]
    assert week_lines(week, EN) == ["Mon–Fri 08:30–17:00", "Sat, Sun closed"]


def test_round_the_clock_every_day_is_one_short_line_not_seven_times_00_00_23_59():
    week = _week({d: ALL_DAY for d in range(1, 8)})
    assert week_lines(week, ZH) == ["24 小时开放"]
    assert week_lines(week, EN) == ["Open 24 hours"]
    assert "23:59" not in " ".join(week_lines(week, EN))


def test_round_the_clock_on_some_days_only_names_those_days():
    week = _week({**{d: OFFICE for d in range(1, 6)}, 6: ALL_DAY, 7: ALL_DAY})
    assert week_lines(week, EN) == ["Mon–Fri 08:30–17:00", "Sat, Sun 24 hours"]


def test_only_consecutive_days_are_grouped_and_a_single_day_stands_alone():
    afternoon = ((time(14, 0), time(17, 0)),)
    week = _week({1: OFFICE, 2: afternoon, 3: OFFICE, 4: OFFICE, 5: OFFICE, 6: afternoon})
    assert week_lines(week, ZH) == ["周一 08:30–17:00", "周二 14:00–17:00", "周三至周五 08:30–17:00",
                                    "周六 14:00–17:00", "周日 休息"]


def test_same_hours_every_day_says_every_day_and_split_days_keep_both_windows():
    split = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
    assert week_lines(_week({d: split for d in range(1, 8)}), ZH) == ["每天 08:30–12:00, 14:00–17:30"]


def test_no_hours_at_all_is_unknown_not_closed_all_week():
    assert week_lines(_week({}), EN) == []


def test_days_with_different_notes_are_not_merged():
    week = [DayHours(1, OFFICE, ("appointment only",)), DayHours(2, OFFICE), DayHours(3, OFFICE)]
    groups = group_days(week)
    assert [(g.first, g.last) for g in groups] == [(1, 1), (2, 3)]
    assert week_lines(week + [DayHours(d, ()) for d in range(4, 8)], EN)[0] == "Mon 08:30–17:00 (appointment only)"
