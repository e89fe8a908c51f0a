//! Scheduled and recurrent operations over a real chain, with the API's clock moved by hand and the
//! scheduler's rounds run by the test (`emtoken_api::run_due`, what `serve` runs every second): bodies
//! checked field by field; each frequency and duration paying on its dates (month ends, a year of
//! days); a failed date and the next one paid; missed dates paid late once each; delete; two
//! schedulers on one database.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use common::{Platform_, platform};
use emtoken_api::{Clock, SchedulerConfig, run_due};
use serde_json::{Value, json};

const W: &str = "/api/v1/public/wallets";
const IBAN: &str = "ES9121000418450200051332";

fn config() -> SchedulerConfig {
    SchedulerConfig {
        catch_up: Duration::days(3650),
        ..SchedulerConfig::default()
    }
}

/// The first `hour`:00 at `offset` hours east after the clock's now plus `days` days.
fn at(p: &Platform_, days: i64, hour: u32, offset: i32) -> DateTime<FixedOffset> {
    let zone = FixedOffset::east_opt(offset * 3600).unwrap();
    let day = (p.clock.now() + Duration::days(days))
        .with_timezone(&zone)
        .date_naive();
    zone.from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap()))
        .unwrap()
}

fn text(d: DateTime<FixedOffset>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// Moves the clock to just after `t`.
fn move_to(p: &Platform_, t: DateTime<FixedOffset>) {
    let by = t.with_timezone(&Utc) - p.clock.now() + Duration::seconds(1);
    if by > Duration::zero() {
        p.clock.advance(by);
    }
}

/// Creates a scheduled operation on `wallet`; its answer.
async fn create(p: &Platform_, wallet: &str, body: Value) -> Value {
    let a = p
        .post(
            &p.client_key,
            &format!("{W}/{wallet}/scheduled-operations"),
            body.clone(),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{body}: {a:?}");
    a.body
}

/// Every execution of an operation (oldest due first), and the dates to come, once none is on its way.
async fn settled_executions(p: &Platform_, wallet: &str, op: &str) -> (Vec<Value>, Vec<Value>) {
    let path = format!("{W}/{wallet}/scheduled-operations/{op}/executions?size=2000&sort=date,asc");
    let page = p
        .wait_for(&path, "executions settled", |page| {
            page["_embedded"]["executions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["status"] != "TRIGGERED")
        })
        .await;
    (
        page["_embedded"]["executions"].as_array().unwrap().clone(),
        page["_embedded"]["scheduledExecutions"]
            .as_array()
            .unwrap()
            .clone(),
    )
}

fn due_dates(executions: &[Value]) -> Vec<String> {
    executions
        .iter()
        .map(|e| e["dueDate"].as_str().unwrap().to_owned())
        .collect()
}

fn statuses(executions: &[Value]) -> Vec<&str> {
    executions
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect()
}

async fn balance(p: &Platform_, wallet: &str) -> String {
    let a = p.get(&format!("{W}/{wallet}")).await;
    a.body["balance"].as_str().unwrap().to_owned()
}

async fn count(p: &Platform_, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(p.store.pool())
        .await
        .unwrap();
    n
}

/// A READY wallet of a new user at KYC level `level`, funded with `amount` (unless "0.00"); its id.
async fn wallet(p: &Platform_, level: u8, amount: &str) -> String {
    let (user, wallet) = p.onboard(&p.client_key).await;
    if level > 0 {
        p.kyc(&user, level).await;
    }
    let id = wallet["id"].as_str().unwrap().to_owned();
    if amount != "0.00" {
        p.fund(&id, amount, amount).await;
    }
    id
}

#[sqlx::test(migrations = false)]
async fn operations_are_checked_created_read_listed_and_deleted(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = wallet(&p, 0, "0.00").await;
    let b = wallet(&p, 0, "0.00").await;
    let path = format!("{W}/{a}/scheduled-operations");
    let start = at(&p, 1, 9, 2);
    let good = json!({
        "alias": "rent", "concept": "flat", "amount": "10.50",
        "receiver": { "type": "IOCASH_WALLET", "account": b },
        "schedule": { "startDate": text(start), "frequency": "DAILY",
                      "duration": { "type": "NUMBER_OF_REPETITIONS", "value": "3" } }
    });
    let with = |pointer: &str, value: Value| {
        let mut body = good.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let past = text(at(&p, -1, 9, 2));
    for (body, field) in [
        (with("/amount", json!("1_0")), "amount"),
        (with("/amount", json!(10.5)), "amount"),
        (with("/amount", json!("0")), "amount"),
        (with("/alias", json!("")), "alias"),
        (with("/alias", json!("x".repeat(101))), "alias"),
        (with("/concept", json!("c".repeat(1000))), "concept"),
        (with("/receiver/type", json!("PHONE")), "receiver.type"),
        (
            with("/receiver/account", json!("not-a-uuid")),
            "receiver.account",
        ),
        (with("/receiver/account", json!(a)), "receiver.account"),
        (
            with(
                "/receiver",
                json!({ "type": "EXTERNAL_BANK_ACCOUNT", "account": "ES9121000418450200051333" }),
            ),
            "receiver.account",
        ),
        (
            with(
                "/receiver",
                json!({ "type": "FAVOURITE_EXTERNAL_BANK_ACCOUNT", "account": b }),
            ),
            "receiver.account",
        ),
        (
            with("/schedule/startDate", json!(past)),
            "schedule.startDate",
        ),
        (
            with("/schedule/startDate", json!("2031-02-30T10:00:00+01:00")),
            "schedule.startDate",
        ),
        (
            with("/schedule/frequency", json!("HOURLY")),
            "schedule.frequency",
        ),
        (
            with("/schedule/frequency", json!("ONCE")),
            "schedule.duration",
        ),
        (
            with("/schedule/duration/value", json!("-1")),
            "schedule.duration.value",
        ),
        (
            with("/schedule/duration/type", json!("END_DATE")),
            "schedule.duration.value",
        ),
    ] {
        let answer = p.post(&p.client_key, &path, body.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}: {answer:?}");
        assert!(
            answer.detail().starts_with(&format!("{field}: ")),
            "{body}: {}",
            answer.detail()
        );
    }
    let mut unknown = good.clone();
    unknown["frequencyy"] = json!("DAILY");
    assert_eq!(
        p.post(&p.client_key, &path, unknown).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        count(&p, "SELECT count(*) FROM scheduled_operations").await,
        0
    );

    // Created: 201 in the guide's shape, the offset kept; the same key answers the same.
    let created = p.post_keyed(&p.client_key, &path, &good, "so-1").await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let op = created.body["id"].as_str().unwrap().to_owned();
    let body = &created.body;
    assert_eq!(body["alias"], "rent");
    assert_eq!(body["concept"], "flat");
    assert_eq!(body["amount"], "10.50");
    assert_eq!(body["status"], "ACTIVE");
    assert_eq!(body["walletId"], a.as_str());
    assert_eq!(body["schedule"]["startDate"], text(start));
    assert!(text(start).ends_with("+02:00"));
    assert_eq!(body["schedule"]["nextDate"], text(start));
    assert_eq!(body["schedule"]["frequency"], "DAILY");
    assert_eq!(
        body["schedule"]["duration"],
        json!({ "type": "NUMBER_OF_REPETITIONS", "value": "3", "numberOfRepetitions": 3 })
    );
    assert_eq!(
        body["receiver"],
        json!({ "type": "IOCASH_WALLET", "account": b })
    );
    assert_eq!(body["_links"]["self"]["href"], format!("{path}/{op}"));
    let again = p.post_keyed(&p.client_key, &path, &good, "so-1").await;
    assert_eq!(
        (again.status, &again.body),
        (StatusCode::CREATED, &created.body)
    );
    let taken = p.post(&p.client_key, &path, good.clone()).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{taken:?}");
    assert!(
        taken.detail().contains("alias \"rent\""),
        "{}",
        taken.detail()
    );

    // Read, listed; another client sees nothing of it.
    let one = p.get(&format!("{path}/{op}")).await;
    assert_eq!((one.status, &one.body), (StatusCode::OK, &created.body));
    let list = p.get(&path).await;
    assert_eq!(
        list.body["_embedded"]["scheduledOperations"][0],
        created.body
    );
    assert_eq!(list.body["page"]["totalElements"], 1);
    let theirs = p
        .raw(
            Method::GET,
            &format!("{path}/{op}"),
            Some(&p.other_key),
            None,
            &[],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{theirs:?}");
    assert_eq!(
        p.get(&format!("{path}/{}", uuid::Uuid::new_v4()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        p.get(&format!("{path}/nope")).await.status,
        StatusCode::BAD_REQUEST
    );

    // Its dates to come; none came yet.
    let executions = p.get(&format!("{path}/{op}/executions")).await;
    assert_eq!(executions.body["_embedded"]["executions"], json!([]));
    let next: Vec<&str> = executions.body["_embedded"]["scheduledExecutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["status"], "SCHEDULED");
            e["date"].as_str().unwrap()
        })
        .collect();
    let days: Vec<String> = (0..3).map(|d| text(start + Duration::days(d))).collect();
    assert_eq!(next, days);

    // Deleted: DELETED, no date to come, never paid; deleting again is a 409.
    let deleted = p
        .send(
            Method::DELETE,
            &p.client_key,
            &format!("{path}/{op}"),
            Value::Null,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{deleted:?}");
    assert_eq!(deleted.body["status"], "DELETED");
    assert_eq!(deleted.body["schedule"]["nextDate"], Value::Null);
    let twice = p
        .send(
            Method::DELETE,
            &p.client_key,
            &format!("{path}/{op}"),
            Value::Null,
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{twice:?}");
    move_to(&p, start + Duration::days(5));
    assert_eq!(run_due(&p.state, config()).await.unwrap().claimed, 0);
    let (done, next) = settled_executions(&p, &a, &op).await;
    assert!(done.is_empty() && next.is_empty(), "{done:?} {next:?}");
    // The alias of a deleted operation may be used again.
    let mut later = good.clone();
    later["schedule"]["startDate"] = json!(text(at(&p, 10, 9, 2)));
    let again = create(&p, &a, later).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A wallet unsubscribed (empty) takes its ACTIVE operations with it: DELETED, no date comes.
    let gone = p
        .send(
            Method::DELETE,
            &p.client_key,
            &format!("{W}/{a}"),
            Value::Null,
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{gone:?}");
    let o = p.get(&format!("{path}/{again}")).await;
    assert_eq!(o.body["status"], "DELETED", "{o:?}");
    assert_eq!(o.body["schedule"]["nextDate"], Value::Null);
    assert_eq!(
        p.get(&format!("{path}/{op}")).await.body["status"],
        "DELETED"
    );

    // So does an unsubscribed user, for all its wallets.
    let (user, wallet) = p.onboard(&p.client_key).await;
    let w = wallet["id"].as_str().unwrap();
    let mut theirs = good.clone();
    theirs["receiver"]["account"] = json!(b);
    theirs["schedule"]["startDate"] = json!(text(at(&p, 10, 9, 2)));
    let made = create(&p, w, theirs).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let users = format!("/api/v1/public/users/{user}");
    let gone = p
        .send(Method::DELETE, &p.client_key, &users, Value::Null)
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{gone:?}");
    let o = p.get(&format!("{W}/{w}/scheduled-operations/{made}")).await;
    assert_eq!(o.body["status"], "DELETED", "{o:?}");
}

#[sqlx::test(migrations = false)]
async fn each_frequency_and_duration_pays_on_its_dates_for_a_year(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = wallet(&p, 2, "2000.00").await;
    let b = wallet(&p, 2, "0.00").await;
    let to_b = json!({ "type": "IOCASH_WALLET", "account": b });
    let first = at(&p, 1, 9, 1);
    let op = |alias: &str, amount: &str, receiver: &Value, schedule: Value| json!({ "alias": alias, "amount": amount, "receiver": receiver, "schedule": schedule });
    // Start on a 31st: the next 31 January (09:00 at +01:00).
    let mut jan31 = at(&p, 1, 9, 1);
    while jan31.format("%m-%d").to_string() != "01-31" {
        jan31 += Duration::days(1);
    }
    let ops = [
        (
            "once",
            op(
                "once",
                "5.00",
                &to_b,
                json!({ "startDate": text(first + Duration::hours(3)), "frequency": "ONCE" }),
            ),
        ),
        (
            "daily",
            op(
                "daily",
                "1.00",
                &to_b,
                json!({ "startDate": text(first), "frequency": "DAILY" }),
            ),
        ),
        (
            "daily-3",
            op(
                "daily-3",
                "2.00",
                &to_b,
                json!({ "startDate": text(first), "frequency": "DAILY", "duration": { "type": "NUMBER_OF_REPETITIONS", "value": "3" } }),
            ),
        ),
        (
            "weekly-end",
            op(
                "weekly-end",
                "3.00",
                &to_b,
                json!({ "startDate": text(first), "frequency": "WEEKLY", "duration": { "type": "END_DATE", "value": (first + Duration::days(14)).format("%Y-%m-%d").to_string() } }),
            ),
        ),
        (
            "monthly-end",
            op(
                "monthly-end",
                "4.00",
                &to_b,
                json!({ "startDate": text(jan31), "frequency": "MONTHLY", "duration": { "type": "END_DATE", "value": format!("{}-12-31", jan31.format("%Y")) } }),
            ),
        ),
        (
            "monthly-iban",
            op(
                "monthly-iban",
                "6.00",
                &json!({ "type": "EXTERNAL_BANK_ACCOUNT", "account": "ES91 2100 0418 4502 0005 1332" }),
                json!({ "startDate": text(first), "frequency": "MONTHLY", "duration": { "type": "NUMBER_OF_REPETITIONS", "value": "2" } }),
            ),
        ),
        (
            "yearly",
            op(
                "yearly",
                "7.00",
                &to_b,
                json!({ "startDate": text(first), "frequency": "YEARLY", "duration": { "type": "ENDLESS" } }),
            ),
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, body) in ops {
        ids.insert(
            name,
            create(&p, &a, body).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // The other frequency × duration pairs, to a third wallet: (alias, frequency, duration, value).
    let c = wallet(&p, 2, "0.00").await;
    let to_c = json!({ "type": "IOCASH_WALLET", "account": c });
    let day_text = |d: DateTime<FixedOffset>| d.format("%Y-%m-%d").to_string();
    let pairs = [
        (
            "daily-end",
            "DAILY",
            "END_DATE",
            Some(day_text(first + Duration::days(9))),
        ),
        ("weekly", "WEEKLY", "ENDLESS", None),
        (
            "weekly-4",
            "WEEKLY",
            "NUMBER_OF_REPETITIONS",
            Some("4".to_owned()),
        ),
        ("monthly", "MONTHLY", "ENDLESS", None),
        (
            "yearly-2",
            "YEARLY",
            "NUMBER_OF_REPETITIONS",
            Some("2".to_owned()),
        ),
        (
            "yearly-end",
            "YEARLY",
            "END_DATE",
            Some(day_text(first + Duration::days(180))),
        ),
    ];
    for (alias, frequency, kind, value) in &pairs {
        let mut duration = json!({ "type": kind });
        if let Some(v) = value {
            duration["value"] = json!(v);
        }
        let schedule =
            json!({ "startDate": text(first), "frequency": frequency, "duration": duration });
        let made = create(&p, &a, op(alias, "1.00", &to_c, schedule)).await;
        ids.insert(alias, made["id"].as_str().unwrap().to_owned());
    }
    // A year and a bit, a day at a time: each round pays what came that day.
    let end = jan31 + Duration::days(340);
    let mut day = first;
    while day < end {
        move_to(&p, day + Duration::hours(4));
        run_due(&p.state, config()).await.unwrap();
        day += Duration::days(1);
    }
    let days = (end - first).num_days() as usize;

    let (e, next) = settled_executions(&p, &a, &ids["once"]).await;
    assert_eq!(
        (due_dates(&e), statuses(&e)),
        (vec![text(first + Duration::hours(3))], vec!["EXECUTED"])
    );
    assert!(next.is_empty());
    let (e, next) = settled_executions(&p, &a, &ids["daily"]).await;
    assert_eq!(e.len(), days, "a date a day");
    assert!(statuses(&e).iter().all(|s| *s == "EXECUTED"));
    let expected: Vec<String> = (0..days as i64)
        .map(|d| text(first + Duration::days(d)))
        .collect();
    assert_eq!(due_dates(&e), expected);
    assert_eq!(next.len(), 10);
    assert_eq!(next[0]["date"], text(first + Duration::days(days as i64)));
    let (e, _) = settled_executions(&p, &a, &ids["daily-3"]).await;
    assert_eq!(
        due_dates(&e),
        (0..3)
            .map(|d| text(first + Duration::days(d)))
            .collect::<Vec<_>>()
    );
    let (e, _) = settled_executions(&p, &a, &ids["weekly-end"]).await;
    assert_eq!(
        due_dates(&e),
        (0..3)
            .map(|w| text(first + Duration::days(7 * w)))
            .collect::<Vec<_>>()
    );
    let (e, _) = settled_executions(&p, &a, &ids["monthly-end"]).await;
    let year = jan31.format("%Y").to_string();
    let leap = year.parse::<i32>().unwrap() % 4 == 0;
    let month_ends: Vec<String> = [
        "01-31",
        if leap { "02-29" } else { "02-28" },
        "03-31",
        "04-30",
        "05-31",
        "06-30",
        "07-31",
        "08-31",
        "09-30",
        "10-31",
        "11-30",
        "12-31",
    ]
    .iter()
    .map(|md| format!("{year}-{md}T09:00:00.000+01:00"))
    .collect();
    assert_eq!(
        due_dates(&e),
        month_ends,
        "the month's last day when it is shorter"
    );
    let (e, _) = settled_executions(&p, &a, &ids["monthly-iban"]).await;
    assert_eq!(statuses(&e), ["EXECUTED", "EXECUTED"]);
    let (e, next) = settled_executions(&p, &a, &ids["yearly"]).await;
    let next_year = first.checked_add_months(chrono::Months::new(12)).unwrap();
    assert_eq!(due_dates(&e), [text(first), text(next_year)]);
    assert_eq!(next.len(), 10);

    // The operations: COMPLETED when their dates are done, ACTIVE while endless.
    for (name, status) in [
        ("once", "COMPLETED"),
        ("daily", "ACTIVE"),
        ("daily-3", "COMPLETED"),
        ("weekly-end", "COMPLETED"),
        ("monthly-end", "COMPLETED"),
        ("monthly-iban", "COMPLETED"),
        ("yearly", "ACTIVE"),
    ] {
        let o = p
            .get(&format!("{W}/{a}/scheduled-operations/{}", ids[name]))
            .await;
        assert_eq!(o.body["status"], status, "{name}: {o:?}");
        assert_eq!(
            o.body["schedule"]["nextDate"].is_null(),
            status != "ACTIVE",
            "{name}: {o:?}"
        );
    }

    // The other pairs: their dates up to the last round's time.
    let last = first + Duration::days(days as i64 - 1) + Duration::hours(4);
    let upto = |dates: Vec<DateTime<FixedOffset>>| -> Vec<String> {
        dates.into_iter().filter(|d| *d <= last).map(text).collect()
    };
    let months = |n: u32| first.checked_add_months(chrono::Months::new(n)).unwrap();
    let expected = [
        (
            "daily-end",
            upto((0..10).map(|d| first + Duration::days(d)).collect()),
        ),
        (
            "weekly",
            upto((0..60).map(|w| first + Duration::days(7 * w)).collect()),
        ),
        (
            "weekly-4",
            upto((0..4).map(|w| first + Duration::days(7 * w)).collect()),
        ),
        ("monthly", upto((0..14).map(months).collect())),
        ("yearly-2", upto(vec![first, months(12)])),
        ("yearly-end", upto(vec![first])),
    ];
    let mut paid_to_c = 0;
    for (alias, dates) in expected {
        let (e, _) = settled_executions(&p, &a, &ids[alias]).await;
        assert_eq!(due_dates(&e), dates, "{alias}");
        assert!(
            statuses(&e).iter().all(|s| *s == "EXECUTED"),
            "{alias}: {e:?}"
        );
        paid_to_c += dates.len();
    }
    assert_eq!(balance(&p, &c).await, format!("{paid_to_c}.00"));
    // The money: each date paid once, on chain (the indexed transfers), and in the balances.
    let paid_to_b = 5 + days + 2 * 3 + 3 * 3 + 4 * 12 + 7 * 2;
    let transfers = count(
        &p,
        &format!("SELECT count(*) FROM movements WHERE type = 'TRANSFER_IN' AND wallet_id = '{b}'"),
    )
    .await;
    assert_eq!(transfers as usize, 1 + days + 3 + 3 + 12 + 2);
    assert_eq!(balance(&p, &b).await, format!("{paid_to_b}.00"));
    // The two cash-outs are ordered: out of the available balance until the bank side executes them.
    let w = p.get(&format!("{W}/{a}")).await;
    assert_eq!(
        w.body["balance"],
        format!("{}.00", 2000 - paid_to_b - paid_to_c)
    );
    assert_eq!(
        w.body["availableBalance"],
        format!("{}.00", 2000 - paid_to_b - paid_to_c - 12)
    );
    // Nothing is left for the scheduler to look at: every paid date is out of its way.
    let unsent = "SELECT count(*) FROM scheduled_executions WHERE status = 'TRIGGERED'";
    assert_eq!(count(&p, unsent).await, 0);
    // Their movements name the operation; a cash-out's too.
    let movements = p.get(&format!("{W}/{a}/movements?size=2000")).await;
    let by_op = |op: &str| {
        movements.body["_embedded"]["movements"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["scheduledOperationId"] == op)
            .count()
    };
    assert_eq!(by_op(&ids["daily"]), days);
    assert_eq!(by_op(&ids["monthly-iban"]), 2);
    let (e, _) = settled_executions(&p, &a, &ids["monthly-iban"]).await;
    let m = p
        .get(e[0]["_links"]["movement"]["href"].as_str().unwrap())
        .await;
    assert_eq!(m.body["type"], "BANK_ACCOUNT_CASHOUT", "{m:?}");
    assert_eq!(m.body["iban"], IBAN);
    assert_eq!(m.body["scheduledOperationId"], ids["monthly-iban"].as_str());
}

#[sqlx::test(migrations = false)]
async fn a_failed_date_leaves_the_operation_active_and_the_next_one_pays(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = wallet(&p, 0, "30.00").await;
    let b = wallet(&p, 0, "0.00").await;
    let c = wallet(&p, 0, "245.00").await;
    let start = at(&p, 1, 8, 0);
    let op = create(&p, &a, json!({
        "alias": "pocket money", "amount": "20.00",
        "receiver": { "type": "IOCASH_WALLET", "account": b },
        "schedule": { "startDate": text(start), "frequency": "DAILY", "duration": { "type": "NUMBER_OF_REPETITIONS", "value": "3" } }
    })).await["id"].as_str().unwrap().to_owned();
    // C would pass the maximum balance of its level: the contract refuses, the date FAILS.
    let over = create(
        &p,
        &a,
        json!({
            "alias": "too much", "amount": "6.00",
            "receiver": { "type": "IOCASH_WALLET", "account": c },
            "schedule": { "startDate": text(start - Duration::minutes(30)), "frequency": "ONCE" }
        }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    move_to(&p, start);
    run_due(&p.state, config()).await.unwrap();
    let (e, _) = settled_executions(&p, &a, &over).await;
    assert_eq!(statuses(&e), ["FAILED"]);
    let reason = e[0]["reason"].as_str().unwrap();
    assert!(reason.contains("BalanceLimitExceeded"), "{reason}");
    assert!(
        e[0]["movementId"].is_null() && e[0]["_links"]["movement"].is_null(),
        "{e:?}"
    );
    let (e, _) = settled_executions(&p, &a, &op).await;
    assert_eq!(statuses(&e), ["EXECUTED"]);
    p.wait_for(&format!("{W}/{a}"), "the first date paid", |w| {
        w["balance"] == "10.00"
    })
    .await;

    // 10.00 left: the second date cannot be covered; the operation stays ACTIVE.
    move_to(&p, start + Duration::days(1));
    run_due(&p.state, config()).await.unwrap();
    let (e, _) = settled_executions(&p, &a, &op).await;
    assert_eq!(statuses(&e), ["EXECUTED", "FAILED"]);
    let reason = e[1]["reason"].as_str().unwrap();
    assert!(reason.contains("cannot cover 20.00"), "{reason}");
    let o = p.get(&format!("{W}/{a}/scheduled-operations/{op}")).await;
    assert_eq!(o.body["status"], "ACTIVE");
    assert_eq!(
        o.body["schedule"]["nextDate"],
        text(start + Duration::days(2))
    );

    // Funded again, the third date pays; then it is COMPLETED.
    p.fund(&a, "20.00", "30.00").await;
    move_to(&p, start + Duration::days(2));
    run_due(&p.state, config()).await.unwrap();
    let (e, next) = settled_executions(&p, &a, &op).await;
    assert_eq!(statuses(&e), ["EXECUTED", "FAILED", "EXECUTED"]);
    assert!(next.is_empty());
    p.wait_for(&format!("{W}/{b}"), "two dates paid", |w| {
        w["balance"] == "40.00"
    })
    .await;
    let o = p.get(&format!("{W}/{a}/scheduled-operations/{op}")).await;
    assert_eq!(o.body["status"], "COMPLETED");
    let gone = p
        .send(
            Method::DELETE,
            &p.client_key,
            &format!("{W}/{a}/scheduled-operations/{op}"),
            Value::Null,
        )
        .await;
    assert_eq!(gone.status, StatusCode::CONFLICT, "{gone:?}");

    // A favourite deleted before its date: FAILED, nothing sent.
    let fav = p
        .post(
            &p.client_key,
            &format!("{W}/{a}/favourite-external-accounts"),
            json!({ "alias": "bank", "externalIban": { "accountNumber": IBAN } }),
        )
        .await;
    let fav = fav.body["favouriteExternalAccountId"]
        .as_str()
        .unwrap()
        .to_owned();
    let to_fav = create(
        &p,
        &a,
        json!({
            "alias": "to my bank", "amount": "1.00",
            "receiver": { "type": "FAVOURITE_EXTERNAL_BANK_ACCOUNT", "account": fav },
            "schedule": { "startDate": text(start + Duration::days(3)), "frequency": "ONCE" }
        }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    p.send(
        Method::DELETE,
        &p.client_key,
        &format!("{W}/{a}/favourite-external-accounts/{fav}"),
        Value::Null,
    )
    .await;
    move_to(&p, start + Duration::days(3));
    run_due(&p.state, config()).await.unwrap();
    let (e, _) = settled_executions(&p, &a, &to_fav).await;
    assert_eq!(statuses(&e), ["FAILED"]);
    assert!(
        e[0]["reason"].as_str().unwrap().contains("was deleted"),
        "{e:?}"
    );
}

#[sqlx::test(migrations = false)]
async fn missed_dates_are_paid_late_once_each_with_their_due_date(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = wallet(&p, 0, "100.00").await;
    let b = wallet(&p, 0, "0.00").await;
    let start = at(&p, 1, 7, 0);
    let op = create(
        &p,
        &a,
        json!({
            "alias": "daily", "amount": "1.00",
            "receiver": { "type": "IOCASH_WALLET", "account": b },
            "schedule": { "startDate": text(start), "frequency": "DAILY" }
        }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Nobody ran for 3 days and 5 hours: 4 dates came.
    move_to(&p, start + Duration::days(3) + Duration::hours(5));
    let round = run_due(&p.state, config()).await.unwrap();
    assert_eq!(round.claimed, 4);
    assert_eq!(
        run_due(&p.state, config()).await.unwrap().claimed,
        0,
        "each date once"
    );
    let (e, _) = settled_executions(&p, &a, &op).await;
    assert_eq!(
        due_dates(&e),
        (0..4)
            .map(|d| text(start + Duration::days(d)))
            .collect::<Vec<_>>()
    );
    assert_eq!(statuses(&e), ["EXECUTED"; 4]);
    let now = emtoken_api::Clock::now(&p.clock);
    for x in &e {
        let date: DateTime<Utc> = x["date"].as_str().unwrap().parse().unwrap();
        assert!(
            date >= now - Duration::seconds(2),
            "triggered late, now: {x}"
        );
    }
    p.wait_for(&format!("{W}/{b}"), "4 dates paid", |w| {
        w["balance"] == "4.00"
    })
    .await;

    // Down 5 days with a catch-up bound of 2 days: the 3 oldest missed dates FAIL, the 2 newest pay.
    move_to(&p, start + Duration::days(8) + Duration::hours(5));
    let bounded = SchedulerConfig {
        catch_up: Duration::days(2),
        ..config()
    };
    assert_eq!(run_due(&p.state, bounded).await.unwrap().claimed, 5);
    let (e, _) = settled_executions(&p, &a, &op).await;
    assert_eq!(
        statuses(&e)[4..],
        ["FAILED", "FAILED", "FAILED", "EXECUTED", "EXECUTED"]
    );
    let reason = e[4]["reason"].as_str().unwrap();
    assert!(reason.contains("--schedule-catch-up-hours"), "{reason}");
    p.wait_for(&format!("{W}/{b}"), "6 dates paid", |w| {
        w["balance"] == "6.00"
    })
    .await;
}

#[sqlx::test(migrations = false)]
async fn two_schedulers_on_one_database_pay_each_date_once(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = wallet(&p, 1, "500.00").await;
    let b = wallet(&p, 1, "0.00").await;
    let start = at(&p, 1, 12, 0);
    for n in 0..40 {
        create(&p, &a, json!({
            "alias": format!("op {n}"), "amount": "1.00",
            "receiver": { "type": "IOCASH_WALLET", "account": b },
            "schedule": { "startDate": text(start + Duration::minutes(n)), "frequency": "DAILY", "duration": { "type": "NUMBER_OF_REPETITIONS", "value": "2" } }
        })).await;
    }
    // A second process: its own connections and its own operator client, the same database and chain.
    let other = common::second_state(&p).await;
    for day in 0..2 {
        move_to(&p, start + Duration::days(day) + Duration::hours(1));
        let (mut claimed, mut rounds) = (0, 0);
        // Both use the operator's key: one may find its nonce taken by the other and send later.
        loop {
            let (x, y) = tokio::join!(run_due(&p.state, config()), run_due(&other, config()));
            let (x, y) = (x.unwrap(), y.unwrap());
            claimed += x.claimed + y.claimed;
            rounds += 1;
            if x.deferred + y.deferred == 0 {
                break;
            }
            assert!(rounds < 50, "{x:?} {y:?}");
        }
        assert_eq!(claimed, 40, "each date claimed once");
    }
    p.wait_for(&format!("{W}/{b}"), "80 dates paid", |w| {
        w["balance"] == "80.00"
    })
    .await;
    assert_eq!(
        count(&p, "SELECT count(*) FROM scheduled_executions").await,
        80
    );
    let transfers = count(
        &p,
        &format!("SELECT count(*) FROM movements WHERE type = 'TRANSFER_IN' AND wallet_id = '{b}'"),
    )
    .await;
    assert_eq!(transfers, 80);
    assert_eq!(balance(&p, &a).await, "420.00");
}
