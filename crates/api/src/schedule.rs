//! The dates of a scheduled operation: its start date, how often, how long.
//!
//! Dates are computed in the UTC offset the start date was given with, so every date keeps its time of
//! day there. Each date is computed from the start (never from the date before), so a monthly operation
//! started on the 31st pays on the 30th in April and on the 31st again in May; one started on 29
//! February pays on 28 February in common years.

use chrono::{DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, TimeZone, Utc};

/// How often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Frequency {
    /// Once, at the start date.
    Once,
    /// Every day.
    Daily,
    /// Every 7 days.
    Weekly,
    /// Every month on the start's day, or the month's last day when it is shorter.
    Monthly,
    /// Every year on the start's day (29 February: the 28th in common years).
    Yearly,
}

impl Frequency {
    /// From its name.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "ONCE" => Self::Once,
            "DAILY" => Self::Daily,
            "WEEKLY" => Self::Weekly,
            "MONTHLY" => Self::Monthly,
            "YEARLY" => Self::Yearly,
            _ => return None,
        })
    }

    /// Its name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Once => "ONCE",
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Yearly => "YEARLY",
        }
    }
}

/// How long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Duration {
    /// No end.
    Endless,
    /// This many dates.
    Repetitions(u32),
    /// Every date whose day (in the start's offset) is on or before this one.
    EndDate(NaiveDate),
}

/// A schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// The first date, in the offset it was given with.
    pub(crate) start: DateTime<FixedOffset>,
    /// How often.
    pub(crate) frequency: Frequency,
    /// How long (Repetitions(1) for ONCE).
    pub(crate) duration: Duration,
}

impl Schedule {
    /// Date `n` of the schedule (0 = the start), None past its end (or past the year 9999).
    pub(crate) fn date(&self, n: u32) -> Option<DateTime<FixedOffset>> {
        if self.frequency == Frequency::Once && n > 0 {
            return None;
        }
        if let Duration::Repetitions(count) = self.duration
            && n >= count
        {
            return None;
        }
        let date = self.unbounded(n)?;
        if let Duration::EndDate(end) = self.duration
            && date.date_naive() > end
        {
            return None;
        }
        Some(date)
    }

    /// Date `n` as if the schedule never ended.
    fn unbounded(&self, n: u32) -> Option<DateTime<FixedOffset>> {
        let local = self.start.naive_local();
        let (day, time) = (local.date(), local.time());
        let day = match self.frequency {
            Frequency::Once => day,
            Frequency::Daily => day.checked_add_days(Days::new(u64::from(n)))?,
            Frequency::Weekly => day.checked_add_days(Days::new(u64::from(n) * 7))?,
            // chrono clamps to the month's last day: from the start each time, never cumulative.
            Frequency::Monthly => day.checked_add_months(Months::new(n))?,
            Frequency::Yearly => day.checked_add_months(Months::new(n.checked_mul(12)?))?,
        };
        if day.year() > 9999 {
            return None;
        }
        self.start
            .offset()
            .from_local_datetime(&day.and_time(time))
            .single()
    }

    /// How many dates it has (None: endless).
    pub(crate) fn count(&self) -> Option<u32> {
        match (self.frequency, self.duration) {
            (Frequency::Once, _) => Some(1),
            (_, Duration::Repetitions(n)) => Some(n),
            (_, Duration::Endless) => None,
            (_, Duration::EndDate(_)) => {
                let mut n = 0;
                while self.date(n).is_some() {
                    n += 1;
                }
                Some(n)
            }
        }
    }

    /// Up to `limit` dates from date `from` on.
    pub(crate) fn dates(&self, from: u32, limit: usize) -> Vec<DateTime<FixedOffset>> {
        (from..).map_while(|n| self.date(n)).take(limit).collect()
    }

    /// Date `n` in UTC.
    pub(crate) fn date_utc(&self, n: u32) -> Option<DateTime<Utc>> {
        self.date(n).map(|d| d.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn schedule(start: &str, frequency: Frequency, duration: Duration) -> Schedule {
        Schedule {
            start: at(start),
            frequency,
            duration,
        }
    }

    fn texts(s: &Schedule, n: usize) -> Vec<String> {
        s.dates(0, n).iter().map(DateTime::to_rfc3339).collect()
    }

    #[test]
    fn once_is_the_start_date_alone() {
        let s = schedule(
            "2030-04-23T00:00:00+02:00",
            Frequency::Once,
            Duration::Repetitions(1),
        );
        assert_eq!(texts(&s, 5), ["2030-04-23T00:00:00+02:00"]);
        assert_eq!(s.count(), Some(1));
    }

    #[test]
    fn daily_and_weekly_keep_the_time_of_day_in_the_start_offset() {
        let s = schedule(
            "2030-12-30T23:30:00-05:00",
            Frequency::Daily,
            Duration::Repetitions(3),
        );
        assert_eq!(
            texts(&s, 10),
            [
                "2030-12-30T23:30:00-05:00",
                "2030-12-31T23:30:00-05:00",
                "2031-01-01T23:30:00-05:00"
            ]
        );
        let s = schedule(
            "2030-02-20T13:00:00+00:00",
            Frequency::Weekly,
            Duration::Endless,
        );
        assert_eq!(
            texts(&s, 3),
            [
                "2030-02-20T13:00:00+00:00",
                "2030-02-27T13:00:00+00:00",
                "2030-03-06T13:00:00+00:00"
            ]
        );
        assert_eq!(s.count(), None);
    }

    #[test]
    fn monthly_from_the_31st_pays_on_the_last_day_of_shorter_months_and_comes_back() {
        let s = schedule(
            "2031-01-31T09:00:00+01:00",
            Frequency::Monthly,
            Duration::Repetitions(5),
        );
        assert_eq!(
            texts(&s, 10),
            [
                "2031-01-31T09:00:00+01:00",
                "2031-02-28T09:00:00+01:00",
                "2031-03-31T09:00:00+01:00",
                "2031-04-30T09:00:00+01:00",
                "2031-05-31T09:00:00+01:00"
            ]
        );
        let leap = schedule(
            "2032-01-30T09:00:00+00:00",
            Frequency::Monthly,
            Duration::Endless,
        );
        assert_eq!(
            leap.date(1).unwrap().to_rfc3339(),
            "2032-02-29T09:00:00+00:00"
        );
        assert_eq!(
            leap.date(2).unwrap().to_rfc3339(),
            "2032-03-30T09:00:00+00:00"
        );
    }

    #[test]
    fn yearly_from_29_february_pays_on_the_28th_in_common_years() {
        let s = schedule(
            "2028-02-29T10:00:00+00:00",
            Frequency::Yearly,
            Duration::Repetitions(5),
        );
        assert_eq!(
            texts(&s, 10),
            [
                "2028-02-29T10:00:00+00:00",
                "2029-02-28T10:00:00+00:00",
                "2030-02-28T10:00:00+00:00",
                "2031-02-28T10:00:00+00:00",
                "2032-02-29T10:00:00+00:00"
            ]
        );
    }

    #[test]
    fn an_end_date_is_inclusive_and_read_in_the_start_offset() {
        let end = NaiveDate::from_ymd_opt(2030, 5, 7).unwrap();
        // 23:00 at +02:00 is 21:00 UTC: the 7th still counts in the start's offset.
        let s = schedule(
            "2030-05-04T23:00:00+02:00",
            Frequency::Daily,
            Duration::EndDate(end),
        );
        assert_eq!(s.count(), Some(4));
        assert_eq!(s.date(3).unwrap().to_rfc3339(), "2030-05-07T23:00:00+02:00");
        assert_eq!(s.date(4), None);
        let s = schedule(
            "2030-05-04T23:00:00+02:00",
            Frequency::Monthly,
            Duration::EndDate(end),
        );
        assert_eq!(s.count(), Some(1));
    }

    #[test]
    fn dates_stop_at_the_year_9999() {
        let s = schedule(
            "9999-06-01T00:00:00+00:00",
            Frequency::Yearly,
            Duration::Endless,
        );
        assert!(s.date(0).is_some());
        assert_eq!(s.date(1), None);
        assert_eq!(s.date(u32::MAX), None);
    }
}
