//! The body of a new scheduled operation, and its check: every field named when wrong, nothing
//! written.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Deserialize;

use crate::{
    Problem, fields,
    schedule::{Duration, Frequency, Schedule},
};

/// The most dates a NUMBER_OF_REPETITIONS schedule may have.
pub(crate) const MAX_REPETITIONS: u32 = 10_000;
/// How far ahead a start date may be, in years.
const MAX_START_YEARS: u32 = 10;
/// How long after its start an END_DATE schedule may end, in years.
const MAX_END_YEARS: u32 = 50;

/// A scheduled operation to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({
    "alias": "rent", "concept": "Rent of the flat", "amount": "10.00",
    "receiver": { "type": "EXTERNAL_BANK_ACCOUNT", "account": "ES9121000418450200051332" },
    "schedule": { "startDate": "2030-04-23T09:00:00.000+02:00", "frequency": "MONTHLY",
                  "duration": { "type": "NUMBER_OF_REPETITIONS", "value": "12" } }
}))]
pub(crate) struct CreateScheduled {
    /// Its name: one line of 1 to 100 characters, one not-deleted operation's per wallet.
    #[schema(example = "rent", min_length = 1, max_length = 100)]
    pub(crate) alias: String,
    /// The concept of its movements (default: "Scheduled operation <alias>").
    #[schema(value_type = Option<crate::fields::Concept>)]
    pub(crate) concept: Option<String>,
    /// The amount of each payment, a decimal string.
    #[schema(value_type = crate::fields::RequestAmount)]
    pub(crate) amount: String,
    /// Who receives.
    pub(crate) receiver: ReceiverBody,
    /// When.
    pub(crate) schedule: ScheduleBody,
}

/// Who receives.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReceiverBody {
    /// IOCASH_WALLET, FAVOURITE_EXTERNAL_BANK_ACCOUNT or EXTERNAL_BANK_ACCOUNT.
    #[serde(rename = "type")]
    #[schema(value_type = crate::answers::ReceiverType)]
    pub(crate) kind: String,
    /// A wallet id (IOCASH_WALLET), a favourite external account id of this wallet
    /// (FAVOURITE_EXTERNAL_BANK_ACCOUNT) or an IBAN (EXTERNAL_BANK_ACCOUNT).
    #[schema(example = "ES9121000418450200051332", max_length = 64)]
    pub(crate) account: String,
}

/// When.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ScheduleBody {
    /// The first date, with its UTC offset (kept: every date has its time of day there), in the future:
    /// RFC 3339 or e.g. "2030-04-23T00:00:00.000+02".
    #[schema(example = "2030-04-23T09:00:00.000+02:00", max_length = 64)]
    pub(crate) start_date: String,
    /// ONCE, DAILY, WEEKLY, MONTHLY or YEARLY.
    #[schema(value_type = crate::answers::ScheduleFrequency)]
    pub(crate) frequency: String,
    /// How long (not with ONCE); ENDLESS when left out.
    pub(crate) duration: Option<DurationBody>,
}

/// How long.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DurationBody {
    /// ENDLESS, NUMBER_OF_REPETITIONS or END_DATE.
    #[serde(rename = "type")]
    #[schema(value_type = crate::answers::DurationType)]
    pub(crate) kind: String,
    /// NUMBER_OF_REPETITIONS: how many dates, "1" to "10000". END_DATE: the last day, yyyy-MM-dd (a
    /// time after it is ignored), not before the start date's day. Not with ENDLESS.
    #[schema(example = "12", max_length = 64)]
    pub(crate) value: Option<String>,
}

/// The receiver kinds, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReceiverKind {
    /// A wallet.
    Wallet,
    /// A favourite external account.
    Favourite,
    /// An IBAN.
    Iban,
}

impl ReceiverKind {
    /// From its name.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "IOCASH_WALLET" => Self::Wallet,
            "FAVOURITE_EXTERNAL_BANK_ACCOUNT" => Self::Favourite,
            "EXTERNAL_BANK_ACCOUNT" => Self::Iban,
            _ => return None,
        })
    }
}

/// `body`'s schedule, checked against `now`.
pub(crate) fn schedule(body: &ScheduleBody, now: DateTime<Utc>) -> Result<Schedule, Problem> {
    let start = fields::zoned_date("schedule.startDate", &body.start_date)?;
    if start.with_timezone(&Utc) <= now {
        return Err(Problem::bad(
            "schedule.startDate",
            format!("{} is not in the future", body.start_date),
        ));
    }
    let latest = now
        .checked_add_months(chrono::Months::new(12 * MAX_START_YEARS))
        .unwrap_or(now);
    if start.with_timezone(&Utc) > latest {
        return Err(Problem::bad(
            "schedule.startDate",
            format!(
                "{} is more than {MAX_START_YEARS} years ahead",
                body.start_date
            ),
        ));
    }
    let frequency = Frequency::parse(&body.frequency).ok_or_else(|| {
        Problem::bad(
            "schedule.frequency",
            format!(
                "'{}' is not one of ONCE, DAILY, WEEKLY, MONTHLY, YEARLY",
                body.frequency
            ),
        )
    })?;
    let duration = match (frequency, &body.duration) {
        (Frequency::Once, None) => Duration::Repetitions(1),
        (Frequency::Once, Some(_)) => {
            return Err(Problem::bad(
                "schedule.duration",
                "does not apply to a ONCE operation: leave it out",
            ));
        }
        (_, None) => Duration::Endless,
        (_, Some(d)) => duration(d, start)?,
    };
    Ok(Schedule {
        start,
        frequency,
        duration,
    })
}

fn duration(body: &DurationBody, start: DateTime<FixedOffset>) -> Result<Duration, Problem> {
    let value = body.value.as_deref().map(str::trim);
    match (body.kind.as_str(), value) {
        ("ENDLESS", None) => Ok(Duration::Endless),
        ("ENDLESS", Some(_)) => Err(Problem::bad(
            "schedule.duration.value",
            "does not apply to ENDLESS: leave it out",
        )),
        ("NUMBER_OF_REPETITIONS" | "END_DATE", None) => Err(Problem::bad(
            "schedule.duration.value",
            format!("is required with {}", body.kind),
        )),
        ("NUMBER_OF_REPETITIONS", Some(v)) => {
            let n = v
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| v.parse::<u32>().ok())
                .flatten()
                .filter(|n| (1..=MAX_REPETITIONS).contains(n))
                .ok_or_else(|| {
                    Problem::bad(
                        "schedule.duration.value",
                        format!(
                            "'{v}' is not a whole number of repetitions from 1 to {MAX_REPETITIONS}"
                        ),
                    )
                })?;
            Ok(Duration::Repetitions(n))
        }
        ("END_DATE", Some(v)) => {
            let end = end_date(v).ok_or_else(|| {
                Problem::bad(
                    "schedule.duration.value",
                    format!("'{v}' is not a date: use yyyy-MM-dd, e.g. 2031-12-31"),
                )
            })?;
            let first = start.date_naive();
            if end < first {
                return Err(Problem::bad(
                    "schedule.duration.value",
                    format!("{end} is before the start date's day, {first}"),
                ));
            }
            let last = first
                .checked_add_months(chrono::Months::new(12 * MAX_END_YEARS))
                .unwrap_or(first);
            if end > last {
                return Err(Problem::bad(
                    "schedule.duration.value",
                    format!("{end} is more than {MAX_END_YEARS} years after the start date"),
                ));
            }
            Ok(Duration::EndDate(end))
        }
        (other, _) => Err(Problem::bad(
            "schedule.duration.type",
            format!("'{other}' is not one of ENDLESS, NUMBER_OF_REPETITIONS, END_DATE"),
        )),
    }
}

/// "2031-12-31", or a date with a time (ignored): its day as written.
fn end_date(text: &str) -> Option<NaiveDate> {
    let day = text.get(..10)?;
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let rest = &text[10..];
    let time_ok = rest.is_empty()
        || fields::zoned_date("", text).is_ok()
        || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").is_ok();
    time_ok.then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(start: &str, frequency: &str, duration: Option<(&str, Option<&str>)>) -> ScheduleBody {
        ScheduleBody {
            start_date: start.into(),
            frequency: frequency.into(),
            duration: duration.map(|(kind, value)| DurationBody {
                kind: kind.into(),
                value: value.map(Into::into),
            }),
        }
    }

    fn now() -> DateTime<Utc> {
        "2030-01-01T00:00:00Z".parse().unwrap()
    }

    fn refused(b: &ScheduleBody) -> String {
        schedule(b, now()).unwrap_err().detail
    }

    /// The document's example body is one the API accepts (its fields' own examples, put together,
    /// were not: an IBAN as an IOCASH_WALLET's account, a value with ENDLESS, a duration with ONCE).
    #[test]
    fn the_documented_example_is_a_body_the_api_accepts() {
        let schema =
            serde_json::to_value(<CreateScheduled as utoipa::PartialSchema>::schema()).unwrap();
        let example = schema["examples"]
            .get(0)
            .or_else(|| schema.get("example"))
            .cloned()
            .unwrap_or_else(|| panic!("no example in {schema}"));
        let body: CreateScheduled = serde_json::from_value(example).unwrap();
        fields::line("alias", &body.alias, 100).unwrap();
        fields::amount("amount", &body.amount, 2).unwrap();
        assert_eq!(
            ReceiverKind::parse(&body.receiver.kind),
            Some(ReceiverKind::Iban)
        );
        crate::iban::Iban::parse(&body.receiver.account).unwrap();
        let s = schedule(&body.schedule, now()).unwrap();
        assert_eq!(s.frequency, Frequency::Monthly);
        assert_eq!(s.duration, Duration::Repetitions(12));
    }

    #[test]
    fn the_guides_forms_are_read_and_their_offset_kept() {
        let s = schedule(
            &body(
                "2030-04-23T00:00:00.000+02",
                "DAILY",
                Some(("NUMBER_OF_REPETITIONS", Some("2"))),
            ),
            now(),
        )
        .unwrap();
        assert_eq!(s.start.to_rfc3339(), "2030-04-23T00:00:00+02:00");
        assert_eq!(s.duration, Duration::Repetitions(2));
        let s = schedule(&body("2030-05-04T06:48:00.000+0000", "WEEKLY", None), now()).unwrap();
        assert_eq!(s.duration, Duration::Endless);
        let s = schedule(
            &body(
                "2030-05-04T06:48:00Z",
                "DAILY",
                Some(("END_DATE", Some("2030-05-07T10:00:00Z"))),
            ),
            now(),
        )
        .unwrap();
        assert_eq!(
            s.duration,
            Duration::EndDate(NaiveDate::from_ymd_opt(2030, 5, 7).unwrap())
        );
    }

    #[test]
    fn wrong_schedules_name_their_field() {
        let cases = [
            (
                body("2029-12-31T23:59:59Z", "ONCE", None),
                "schedule.startDate: 2029-12-31T23:59:59Z is not in the future",
            ),
            (
                body("2045-01-01T00:00:00Z", "ONCE", None),
                "schedule.startDate: 2045-01-01T00:00:00Z is more than 10 years ahead",
            ),
            (
                body("tomorrow", "ONCE", None),
                "schedule.startDate: 'tomorrow' is not a date",
            ),
            (
                body("2030-02-01T00:00:00Z", "HOURLY", None),
                "schedule.frequency: 'HOURLY' is not one of",
            ),
            (
                body("2030-02-01T00:00:00Z", "ONCE", Some(("ENDLESS", None))),
                "schedule.duration: does not apply",
            ),
            (
                body(
                    "2030-02-01T00:00:00Z",
                    "DAILY",
                    Some(("ENDLESS", Some("3"))),
                ),
                "schedule.duration.value: does not apply to ENDLESS",
            ),
            (
                body(
                    "2030-02-01T00:00:00Z",
                    "DAILY",
                    Some(("NUMBER_OF_REPETITIONS", None)),
                ),
                "schedule.duration.value: is required",
            ),
            (
                body(
                    "2030-02-01T00:00:00Z",
                    "DAILY",
                    Some(("NUMBER_OF_REPETITIONS", Some("0"))),
                ),
                "schedule.duration.value: '0' is not a whole number",
            ),
            (
                body(
                    "2030-02-01T00:00:00Z",
                    "DAILY",
                    Some(("NUMBER_OF_REPETITIONS", Some("1_0"))),
                ),
                "schedule.duration.value: '1_0' is not a whole number",
            ),
            (
                body(
                    "2030-02-01T00:00:00Z",
                    "DAILY",
                    Some(("NUMBER_OF_REPETITIONS", Some("10001"))),
                ),
                "is not a whole number of repetitions from 1 to 10000",
            ),
            (
                body(
                    "2030-02-01T00:00:00Z",
                    "DAILY",
                    Some(("END_DATE", Some("2030-01-31"))),
                ),
                "schedule.duration.value: 2030-01-31 is before the start date's day",
            ),
            (
                body(
                    "2030-02-01T00:00:00Z",
                    "DAILY",
                    Some(("END_DATE", Some("31/12/2030"))),
                ),
                "schedule.duration.value: '31/12/2030' is not a date",
            ),
            (
                body(
                    "2030-02-01T00:00:00Z",
                    "DAILY",
                    Some(("END_DATE", Some("2030-12-31garbage"))),
                ),
                "is not a date",
            ),
            (
                body("2030-02-01T00:00:00Z", "DAILY", Some(("SOMETIMES", None))),
                "schedule.duration.type: 'SOMETIMES' is not one of",
            ),
        ];
        for (b, expected) in cases {
            let detail = refused(&b);
            assert!(
                detail.starts_with(expected) || detail.contains(expected),
                "{detail} / {expected}"
            );
        }
    }
}
