//! A's monthly payment to B: a scheduled operation whose dates are all to come (no money moves during the
//! demo), its next dates read back from the API, shown, and checked against the end-of-month rule.

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, Offset, TimeDelta, Utc};
use emtoken_api::answers::{ExecutionList, Page, ScheduledOperation};
use hyper::StatusCode;
use serde::Serialize;
use serde_json::json;

use super::{Demo, DemoWallet, PUBLIC, Played, check, step};
use crate::table::{Align, Table};

/// The scheduled operation's alias.
const ALIAS: &str = "monthly rent";
/// The amount of each of its payments.
const AMOUNT: &str = "10.00";
/// How many dates it has.
const REPETITIONS: u32 = 12;
/// How many dates to come the API lists (`_embedded.scheduledExecutions`).
const NEXT_DATES: usize = 10;
/// The time of day of every date (09:00) and its UTC offset (+01:00, kept by the API).
const HOUR: u32 = 9;
const OFFSET_SECS: i32 = 3600;

/// The scheduled operation as the report shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ScheduledView {
    pub(super) id: String,
    pub(super) alias: String,
    pub(super) amount: String,
    pub(super) frequency: String,
    /// E.g. "12 repetitions" or "endless".
    pub(super) duration: String,
    /// "wallet B", or the receiver's account.
    pub(super) receiver: String,
    pub(super) status: String,
    pub(super) start_date: String,
    pub(super) next_date: Option<String>,
    /// Executions so far (dates that came): none, the dates lie ahead.
    pub(super) executions: usize,
    /// The next dates the API lists, in the start date's offset.
    pub(super) next_dates: Vec<String>,
}

/// The first 31st at 09:00+01:00 that is more than a day after `now` (a day's margin: no date of the
/// schedule comes while the demo runs).
pub(super) fn next_31st(now: DateTime<Utc>) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(OFFSET_SECS).unwrap_or_else(|| Utc.fix());
    let earliest = now + TimeDelta::days(1);
    let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or(now.date_naive());
    (0..)
        .filter_map(|k| first.checked_add_months(Months::new(k)))
        .filter_map(|month| month.with_day(31))
        .filter_map(|day| {
            day.and_hms_opt(HOUR, 0, 0)?
                .and_local_timezone(offset)
                .single()
        })
        .find(|date| *date > earliest)
        .unwrap_or_else(|| earliest.with_timezone(&offset))
}

/// Date `n` (from 0) of a MONTHLY schedule from `start`: the start's day of the month `n` months on, or
/// that month's last day when it is shorter.
fn monthly(start: DateTime<FixedOffset>, n: u32) -> Option<DateTime<FixedOffset>> {
    start.checked_add_months(Months::new(n))
}

/// An enum of the API as its JSON text (e.g. "MONTHLY").
fn name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A date of an answer as RFC 3339 without fractions (so that "…09:00:00.000+01:00" and
/// "…09:00:00+01:00" compare equal); the text itself when it is not a date.
fn normal(text: &str) -> String {
    DateTime::parse_from_rfc3339(text).map_or_else(|_| text.to_owned(), |d| d.to_rfc3339())
}

impl Demo {
    /// A schedules a MONTHLY payment of 10.00 to B, 12 dates from `start`; the operation's id.
    pub(super) async fn schedule_monthly(
        &self,
        a: &DemoWallet,
        b: &DemoWallet,
        start: DateTime<FixedOffset>,
    ) -> anyhow::Result<String> {
        let body = json!({
            "alias": ALIAS,
            "concept": "Rent of the flat",
            "amount": AMOUNT,
            "receiver": { "type": "IOCASH_WALLET", "account": b.id },
            "schedule": {
                "startDate": start.to_rfc3339(),
                "frequency": "MONTHLY",
                "duration": { "type": "NUMBER_OF_REPETITIONS", "value": REPETITIONS.to_string() },
            },
        });
        let answer: ScheduledOperation = self
            .api
            .post(
                &self.key,
                &format!("{PUBLIC}/wallets/{}/scheduled-operations", a.id),
                &body,
            )
            .await?
            .answer(StatusCode::CREATED, "POST scheduled operation")?;
        step(&format!(
            "scheduled operation '{ALIAS}' created ({}, {}): {AMOUNT} A→B MONTHLY from {}, {REPETITIONS} dates",
            answer.id,
            name(&answer.status),
            answer.schedule.start_date
        ));
        Ok(answer.id.to_string())
    }
}

impl ScheduledView {
    /// Reads the operation and its executions back from the API, as its answer types.
    pub(super) async fn collect(demo: &Demo, played: &Played) -> anyhow::Result<Self> {
        let (a, id) = (&played.a, &played.scheduled);
        let path = format!("{PUBLIC}/wallets/{}/scheduled-operations/{id}", a.id);
        let op: ScheduledOperation = demo
            .api
            .get(&demo.key, &path)
            .await?
            .answer(StatusCode::OK, &format!("GET scheduled operation {id}"))?;
        let page: Page<ExecutionList> = demo
            .api
            .get(&demo.key, &format!("{path}/executions"))
            .await?
            .answer(
                StatusCode::OK,
                &format!("GET executions of scheduled operation {id}"),
            )?;
        let duration = op.schedule.duration.as_ref().map_or_else(
            || "once".to_owned(),
            |d| match (&d.number_of_repetitions, &d.end_date) {
                (_, Some(end)) => format!("until {end}"),
                (Some(n), None) => format!("{n} repetitions"),
                (None, None) => name(&d.kind).to_lowercase(),
            },
        );
        let receiver = [&played.a, &played.b]
            .into_iter()
            .find(|w| w.id == op.receiver.account)
            .map_or_else(
                || op.receiver.account.clone(),
                |w| format!("wallet {}", w.name),
            );
        Ok(Self {
            id: op.id.to_string(),
            alias: op.alias,
            amount: op.amount,
            frequency: name(&op.schedule.frequency),
            duration,
            receiver,
            status: name(&op.status),
            start_date: op.schedule.start_date,
            next_date: op.schedule.next_date,
            executions: page.embedded.executions.len(),
            next_dates: page
                .embedded
                .scheduled_executions
                .into_iter()
                .map(|e| e.date)
                .collect(),
        })
    }

    /// The text output: the operation, then its next dates.
    pub(super) fn describe(&self) -> String {
        let mut table = Table::new(&[
            ("id", Align::Left),
            ("alias", Align::Left),
            ("amount", Align::Right),
            ("frequency", Align::Left),
            ("duration", Align::Left),
            ("receiver", Align::Left),
            ("status", Align::Left),
            ("next date", Align::Left),
        ]);
        table.row(vec![
            self.id.clone(),
            self.alias.clone(),
            self.amount.clone(),
            self.frequency.clone(),
            self.duration.clone(),
            self.receiver.clone(),
            self.status.clone(),
            self.next_date.clone().unwrap_or_else(|| "-".to_owned()),
        ]);
        let mut out = format!(
            "scheduled operation of wallet A ({} executions so far: its dates are to come)\n{}\n\n",
            self.executions,
            table.render()
        );
        out.push_str(&format!(
            "its next {} dates (the 31st, or the last day of a shorter month)\n",
            self.next_dates.len()
        ));
        for (n, date) in self.next_dates.iter().enumerate() {
            out.push_str(&format!("{:>2}. {date}\n", n + 1));
        }
        out.trim_end().to_owned()
    }
}

/// Every difference between the scheduled operation the demo made and what the API shows: ACTIVE,
/// MONTHLY, 10.00 to wallet B, 12 repetitions, no execution yet, and its next 10 dates those of the
/// end-of-month rule from the start date, in its offset.
pub(super) fn verify(played: &Played, view: &ScheduledView) -> Vec<String> {
    let mut out = vec![];
    let what = format!("scheduled operation {}", view.id);
    for (field, found, want) in [
        ("alias", view.alias.clone(), ALIAS.to_owned()),
        ("status", view.status.clone(), "ACTIVE".to_owned()),
        ("frequency", view.frequency.clone(), "MONTHLY".to_owned()),
        (
            "duration",
            view.duration.clone(),
            format!("{REPETITIONS} repetitions"),
        ),
        ("receiver", view.receiver.clone(), "wallet B".to_owned()),
        ("executions", view.executions.to_string(), "0".to_owned()),
        (
            "startDate",
            normal(&view.start_date),
            played.scheduled_start.to_rfc3339(),
        ),
        (
            "nextDate",
            view.next_date.as_deref().map(normal).unwrap_or_default(),
            played.scheduled_start.to_rfc3339(),
        ),
    ] {
        if found != want {
            out.push(format!("{what} {field}: expected {want}, found {found}"));
        }
    }
    if check::amount(&view.amount) != Some(check::dec(AMOUNT)) {
        out.push(format!(
            "{what} amount: expected {AMOUNT}, found {}",
            view.amount
        ));
    }
    let want: Vec<String> = (0..)
        .map_while(|n| monthly(played.scheduled_start, n))
        .take(NEXT_DATES)
        .map(|d| d.to_rfc3339())
        .collect();
    let found: Vec<String> = view.next_dates.iter().map(|d| normal(d)).collect();
    if found != want {
        out.push(format!(
            "{what} next dates: expected {}, found {}",
            want.join(" "),
            found.join(" ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn the_start_is_the_next_31st_more_than_a_day_ahead() {
        for (now, start) in [
            ("2025-12-03T10:00:00Z", "2025-12-31T09:00:00+01:00"),
            ("2025-12-30T07:59:59Z", "2025-12-31T09:00:00+01:00"),
            ("2025-12-30T08:00:00Z", "2026-01-31T09:00:00+01:00"),
            ("2026-02-10T00:00:00Z", "2026-03-31T09:00:00+01:00"),
            ("2026-04-15T00:00:00Z", "2026-05-31T09:00:00+01:00"),
        ] {
            assert_eq!(next_31st(utc(now)).to_rfc3339(), start, "now {now}");
        }
    }

    fn wallet(name: &'static str, id: &str) -> DemoWallet {
        DemoWallet {
            name,
            id: id.into(),
            user_id: String::new(),
            address: String::new(),
            iban: None,
            document: String::new(),
            phone: String::new(),
        }
    }

    #[test]
    fn the_check_names_a_date_off_the_end_of_month_rule() {
        let start = next_31st(utc("2026-12-03T10:00:00Z"));
        let played = Played {
            a: wallet("A", "a"),
            b: wallet("B", "b"),
            executed_hold: String::new(),
            released_hold: String::new(),
            scheduled: "s".into(),
            scheduled_start: start,
            second: None,
        };
        let dates = |third: &str| -> Vec<String> {
            (0..10)
                .map(|n| {
                    monthly(start, n)
                        .unwrap()
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
                })
                .enumerate()
                .map(|(i, d)| if i == 2 { third.to_owned() } else { d })
                .collect()
        };
        let mut view = ScheduledView {
            id: "s".into(),
            alias: ALIAS.into(),
            amount: "10.00".into(),
            frequency: "MONTHLY".into(),
            duration: "12 repetitions".into(),
            receiver: "wallet B".into(),
            status: "ACTIVE".into(),
            start_date: "2026-12-31T09:00:00.000+01:00".into(),
            next_date: Some("2026-12-31T09:00:00.000+01:00".into()),
            executions: 0,
            next_dates: dates("2027-02-28T09:00:00.000+01:00"),
        };
        assert_eq!(verify(&played, &view), Vec::<String>::new());
        view.next_dates = dates("2027-03-03T09:00:00.000+01:00");
        view.status = "COMPLETED".into();
        let found = verify(&played, &view);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("status: expected ACTIVE, found COMPLETED"),
            "{found:?}"
        );
        assert!(
            found[1].contains("next dates: expected")
                && found[1].contains(
                    "found 2026-12-31T09:00:00+01:00 2027-01-31T09:00:00+01:00 2027-03-03"
                ),
            "{found:?}"
        );
    }

    #[test]
    fn monthly_dates_fall_on_the_last_day_of_shorter_months() {
        let start = DateTime::parse_from_rfc3339("2025-12-31T09:00:00+01:00").unwrap();
        let dates: Vec<String> = (0..4)
            .map(|n| monthly(start, n).unwrap().to_rfc3339())
            .collect();
        assert_eq!(
            dates,
            [
                "2025-12-31T09:00:00+01:00",
                "2026-01-31T09:00:00+01:00",
                "2026-02-28T09:00:00+01:00",
                "2026-03-31T09:00:00+01:00",
            ]
        );
    }
}
