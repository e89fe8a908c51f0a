//! Users: a client creates people and companies (`/api/v2/public/users/…`), reads them
//! (`/api/v1/public/users`), and sees only its own; every rule of their fields is a 400 naming the field,
//! a client knows a document and a phone once (409), and a retry with the Idempotency-Key creates nothing.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{Datelike, Utc};
use common::{Platform_, dni, platform};
use serde_json::{Value, json};

const NATURAL: &str = "/api/v2/public/users/natural";
const JURIDICAL: &str = "/api/v2/public/users/juridical";
const USERS: &str = "/api/v1/public/users";

/// A person's body.
fn person(document: &str, phone: &str) -> Value {
    json!({
        "name": " Ana María ",
        "firstSurname": "García",
        "secondSurname": "López",
        "documentType": "DNI",
        "documentNumber": document,
        "birthDate": "1990-05-17",
        "nationality": "ES",
        "email": "ana@example.com",
        "mobilePhone": phone,
        "address": {
            "street": "Calle Mayor 1, 2º B",
            "city": "Madrid",
            "postalCode": "28013",
            "region": "Madrid",
            "country": "ES"
        }
    })
}

/// A company's body.
fn company(cif: &str, phone: &str) -> Value {
    json!({
        "name": "Construcciones Pérez S.L.",
        "documentType": "CIF",
        "documentNumber": cif,
        "incorporationDate": "2015-09-01",
        "country": "ES",
        "email": "admin@perez.example.es",
        "mobilePhone": phone,
        "address": { "street": "Avenida del Puerto 12", "city": "Valencia", "postalCode": "46023",
                     "region": null, "country": "ES" },
        "legalRepresentative": { "name": "Luis", "firstSurname": "Pérez", "documentType": "NIE",
                                 "documentNumber": "X1234567L", "nationality": "PT" }
    })
}

/// Rows of users and api_requests.
async fn footprint(p: &Platform_) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM api_requests)")
        .fetch_one(p.store.pool())
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn clients_create_people_and_companies_and_see_their_own(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let created = p
        .post(&p.client_key, NATURAL, person("12345678-z", "+34600000001"))
        .await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{created:?}");
    let answer: emtoken_api::answers::UserCreated =
        serde_json::from_value(created.body.clone()).unwrap();
    assert_eq!(answer.status, emtoken_api::answers::UserStatus::Created);
    assert_eq!(answer.kind, emtoken_api::answers::UserKind::Natural);
    let id = answer.id;
    assert_eq!(answer.links.this.href, format!("{USERS}/{id}"));
    // No dltAddress given: one was generated.
    assert_eq!(answer.dlt_address.len(), 42, "{}", answer.dlt_address);

    let user = p.get(&format!("{USERS}/{id}")).await;
    assert_eq!(user.status, StatusCode::OK, "{user:?}");
    let read: emtoken_api::answers::User = serde_json::from_value(user.body.clone()).unwrap();
    assert_eq!(
        (
            read.name.as_str(),
            read.document_number.as_str(),
            read.kyc_level
        ),
        ("Ana María", "12345678Z", None),
        "stored as checked: trimmed, upper case without hyphens, no KYC level before verification"
    );
    assert_eq!(user.body["birthDate"], "1990-05-17");
    assert_eq!(user.body["incorporationDate"], Value::Null);
    assert_eq!(user.body["clientAlias"], "acme");
    assert_eq!(read.dlt_address, answer.dlt_address);
    assert_eq!(
        user.body["_links"]["wallets"]["href"],
        format!("/api/v1/public/wallets?userId={id}")
    );

    // A company with an address of its own, given with its EIP-55 checksum.
    let address = "0x485De9F4580eDEDB5b16a84028e4Bac64434c36D";
    let mut body = company("B12345674", "+34600000002");
    body["dltAddress"] = json!(address);
    let firm = p.post(&p.client_key, JURIDICAL, body).await;
    assert_eq!(firm.status, StatusCode::ACCEPTED, "{firm:?}");
    assert_eq!(firm.body["dltAddress"], address.to_lowercase());
    let firm_id = firm.body["id"].as_str().unwrap();
    let firm = p.get(&format!("{USERS}/{firm_id}")).await;
    assert_eq!(firm.body["kind"], "JURIDICAL");
    assert_eq!(firm.body["firstSurname"], Value::Null);
    assert_eq!(
        firm.body["legalRepresentative"]["documentNumber"],
        "X1234567L"
    );
    assert_eq!(
        firm.body["legalRepresentative"]["secondSurname"],
        Value::Null
    );
    assert_eq!(firm.body["address"]["region"], Value::Null);

    // Paged like the other lists.
    let page = p.get(&format!("{USERS}?size=1&sort=createdAt,desc")).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    let page: emtoken_api::answers::Page<emtoken_api::answers::UserList> =
        serde_json::from_value(page.body).unwrap();
    assert_eq!((page.page.total_elements, page.page.total_pages), (2, 2));
    assert_eq!(page.embedded.users[0].id.to_string(), firm_id);
    let next = page.links.next.expect("a next page").href;
    let second = p.get(&next).await;
    assert_eq!(second.body["_embedded"]["users"][0]["id"], json!(id));
    assert!(second.body["_links"].get("next").is_none());
    let bad_sort = p.get(&format!("{USERS}?sort=name")).await;
    assert_eq!(bad_sort.status, StatusCode::BAD_REQUEST, "{bad_sort:?}");

    // Another client sees none of them; the bank's key is not a client's.
    let theirs = p
        .raw(
            Method::GET,
            &format!("{USERS}/{id}"),
            Some(&p.other_key),
            None,
            &[],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{theirs:?}");
    let list = p
        .raw(Method::GET, USERS, Some(&p.other_key), None, &[])
        .await;
    assert_eq!(list.body["page"]["totalElements"], 0, "{list:?}");
    let bank = p
        .raw(Method::GET, USERS, Some(&p.bank_key), None, &[])
        .await;
    assert_eq!(bank.status, StatusCode::FORBIDDEN);
    let bank = p
        .post(&p.bank_key, NATURAL, person(&dni(1), "+34600000003"))
        .await;
    assert_eq!(bank.status, StatusCode::FORBIDDEN);
    let unknown = p.get(&format!("{USERS}/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let not_uuid = p.get(&format!("{USERS}/ana")).await;
    assert_eq!(not_uuid.status, StatusCode::BAD_REQUEST);
    assert!(
        not_uuid.detail().starts_with("userId: "),
        "{}",
        not_uuid.detail()
    );
}

#[sqlx::test(migrations = false)]
async fn every_rule_is_a_400_naming_its_field_and_leaves_nothing(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let today = Utc::now().date_naive();
    let minor = today
        .with_year(today.year() - 17)
        .unwrap_or(today)
        .to_string();
    let tomorrow = today.succ_opt().unwrap().to_string();
    let before = footprint(&p).await;
    type Change = fn(&mut Value, &str);
    let cases: Vec<(&str, &str, Change, &str)> = vec![
        (
            NATURAL,
            "documentNumber: 12345678A has a wrong check letter",
            |b, _| b["documentNumber"] = json!("12345678A"),
            "bad DNI letter",
        ),
        (
            NATURAL,
            "documentNumber: X1234567A has a wrong check letter",
            |b, _| {
                b["documentType"] = json!("NIE");
                b["documentNumber"] = json!("X1234567A");
            },
            "bad NIE letter",
        ),
        (
            NATURAL,
            "documentNumber: 'A1234567L' is not a NIE",
            |b, _| {
                b["documentType"] = json!("NIE");
                b["documentNumber"] = json!("A1234567L");
            },
            "bad NIE form",
        ),
        (
            NATURAL,
            "documentType: 'CIF' is not one of DNI, NIE, PASSPORT, ID_CARD",
            |b, _| b["documentType"] = json!("CIF"),
            "a company's document",
        ),
        (
            NATURAL,
            "documentNumber: a PASSPORT number has 5 to 20",
            |b, _| {
                b["documentType"] = json!("PASSPORT");
                b["documentNumber"] = json!("AB12");
            },
            "short passport",
        ),
        (
            NATURAL,
            "mobilePhone: '600000001' is not a phone number in E.164",
            |b, _| b["mobilePhone"] = json!("600000001"),
            "no +",
        ),
        (
            NATURAL,
            "mobilePhone: '+34 600 000 001' is not",
            |b, _| b["mobilePhone"] = json!("+34 600 000 001"),
            "spaces",
        ),
        (
            NATURAL,
            "email: 'ana@example' is not an email address",
            |b, _| b["email"] = json!("ana@example"),
            "no dot",
        ),
        (
            NATURAL,
            "email: 'ana@@example.com' is not an email address",
            |b, _| b["email"] = json!("ana@@example.com"),
            "two @",
        ),
        (
            NATURAL,
            "birthDate: ",
            |b, t| b["birthDate"] = json!(t),
            "future birth date",
        ),
        (NATURAL, "birthDate: a person born on", |_, _| {}, "minor"),
        (
            NATURAL,
            "birthDate: '17/05/1990' is not a date",
            |b, _| b["birthDate"] = json!("17/05/1990"),
            "not a date",
        ),
        (
            NATURAL,
            "nationality: 'XX' is not an ISO 3166-1 alpha-2",
            |b, _| b["nationality"] = json!("XX"),
            "unknown country",
        ),
        (
            NATURAL,
            "address.country: 'es' is not",
            |b, _| b["address"]["country"] = json!("es"),
            "lower case",
        ),
        (
            NATURAL,
            "address.postalCode: ",
            |b, _| b["address"]["postalCode"] = json!("28/013"),
            "postal code",
        ),
        (
            NATURAL,
            "name: must be 1 to 100 characters, not only spaces",
            |b, _| b["name"] = json!("   "),
            "blank name",
        ),
        (
            NATURAL,
            "firstSurname: character 4 is the control character",
            |b, _| b["firstSurname"] = json!("Gar\ncía"),
            "two lines",
        ),
        (
            NATURAL,
            "dltAddress: '0x485De9F4580eDEDB5b16a84028e4Bac64434c36d' has a wrong EIP-55 checksum",
            |b, _| b["dltAddress"] = json!("0x485De9F4580eDEDB5b16a84028e4Bac64434c36d"),
            "checksum",
        ),
        (
            NATURAL,
            "body: unknown field `kycLevel`",
            |b, _| b["kycLevel"] = json!(0),
            "a client sets no level",
        ),
        (
            NATURAL,
            "body: missing field `mobilePhone`",
            |b, _| {
                b.as_object_mut().unwrap().remove("mobilePhone");
            },
            "missing phone",
        ),
        (
            JURIDICAL,
            "documentNumber: B12345675 has a wrong control character: a CIF B1234567 ends in 4",
            |b, _| b["documentNumber"] = json!("B12345675"),
            "bad CIF control",
        ),
        (
            JURIDICAL,
            "documentNumber: Q28260008 has a wrong control character: a CIF Q2826000 ends in H",
            |b, _| b["documentNumber"] = json!("Q28260008"),
            "CIF letter expected",
        ),
        (
            JURIDICAL,
            "documentType: 'DNI' is not one of CIF, TAX_ID",
            |b, _| b["documentType"] = json!("DNI"),
            "a person's document",
        ),
        (
            JURIDICAL,
            "incorporationDate: ",
            |b, t| b["incorporationDate"] = json!(t),
            "future incorporation",
        ),
        (
            JURIDICAL,
            "country: 'EU' is not",
            |b, _| b["country"] = json!("EU"),
            "not a country",
        ),
        (
            JURIDICAL,
            "legalRepresentative.documentNumber: 12345678A has a wrong check letter",
            |b, _| {
                b["legalRepresentative"]["documentType"] = json!("DNI");
                b["legalRepresentative"]["documentNumber"] = json!("12345678A");
            },
            "representative's DNI",
        ),
        (
            JURIDICAL,
            "legalRepresentative.nationality: ",
            |b, _| b["legalRepresentative"]["nationality"] = json!("Portugal"),
            "representative's nationality",
        ),
        (
            JURIDICAL,
            "body: missing field `legalRepresentative`",
            |b, _| {
                b.as_object_mut().unwrap().remove("legalRepresentative");
            },
            "no representative",
        ),
    ];
    for (path, expected, change, what) in cases {
        let mut body = if path == NATURAL {
            person(&dni(7), "+34600000007")
        } else {
            company("A58818501", "+34600000007")
        };
        change(&mut body, &tomorrow);
        if what == "minor" {
            body["birthDate"] = json!(minor);
        }
        let a = p.post(&p.client_key, path, body).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{what}: {a:?}");
        assert!(a.detail().starts_with(expected), "{what}: {}", a.detail());
        if what.starts_with("future") {
            assert!(
                a.detail().ends_with("is in the future"),
                "{what}: {}",
                a.detail()
            );
        }
    }
    assert_eq!(footprint(&p).await, before, "a 400 writes nothing");
}

#[sqlx::test(migrations = false)]
async fn a_client_knows_a_document_and_a_phone_once(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let first = p
        .post(&p.client_key, NATURAL, person(&dni(11), "+34611000011"))
        .await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{first:?}");
    let id = first.body["id"].as_str().unwrap();
    let before = footprint(&p).await;

    // The same document (written another way), another phone: 409 naming the user.
    let written = format!("{}-{}", &dni(11)[..8], dni(11)[8..].to_lowercase());
    let same_document = p
        .post(&p.client_key, NATURAL, person(&written, "+34611000012"))
        .await;
    assert_eq!(
        same_document.status,
        StatusCode::CONFLICT,
        "{same_document:?}"
    );
    assert!(
        same_document.detail().contains(id),
        "{}",
        same_document.detail()
    );
    assert!(same_document.detail().contains(&format!("DNI {}", dni(11))));
    // The same phone, another document.
    let same_phone = p
        .post(&p.client_key, NATURAL, person(&dni(12), "+34611000011"))
        .await;
    assert_eq!(same_phone.status, StatusCode::CONFLICT, "{same_phone:?}");
    assert!(same_phone.detail().contains("mobile phone +34611000011"));
    // A company with that phone is the same phone.
    let firm = p
        .post(
            &p.client_key,
            JURIDICAL,
            company("A58818501", "+34611000011"),
        )
        .await;
    assert_eq!(firm.status, StatusCode::CONFLICT, "{firm:?}");
    assert_eq!(footprint(&p).await, before, "a 409 writes nothing");

    // Another client may know the same person.
    let other = p
        .post(&p.other_key, NATURAL, person(&dni(11), "+34611000011"))
        .await;
    assert_eq!(other.status, StatusCode::ACCEPTED, "{other:?}");

    // An address is one user's, whatever the client; a wallet's is no user's; nor the platform's own.
    let taken = first.body["dltAddress"].as_str().unwrap();
    let mut body = person(&dni(13), "+34611000013");
    body["dltAddress"] = json!(taken);
    let a = p.post(&p.other_key, NATURAL, body.clone()).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{a:?}");
    assert!(a.detail().contains("is already a user's"), "{}", a.detail());
    // A wallet's address that is no user's own: a second wallet of an activated user.
    let (owner, _) = p.onboard(&p.other_key).await;
    let wallet = p
        .post(
            &p.other_key,
            "/api/v1/public/wallets",
            json!({ "userId": owner }),
        )
        .await;
    assert_eq!(wallet.status, StatusCode::CREATED, "{wallet:?}");
    body["dltAddress"] = wallet.body["dltAddress"].clone();
    let a = p.post(&p.client_key, NATURAL, body.clone()).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{a:?}");
    assert!(a.detail().contains("belongs to wallet"), "{}", a.detail());
    let operator = p.state.platform.operator.signer().unwrap();
    body["dltAddress"] = json!(format!("{operator:#x}"));
    let a = p.post(&p.client_key, NATURAL, body).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{a:?}");
    assert!(a.detail().contains("operator account"), "{}", a.detail());
}

#[sqlx::test(migrations = false)]
async fn a_retry_with_the_idempotency_key_gets_the_first_answer(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let body = person(&dni(21), "+34621000021").to_string();
    let send = |path: &'static str, body: String, key: &'static str| {
        let p = &p;
        async move {
            p.raw(
                Method::POST,
                path,
                Some(&p.client_key),
                Some(&body),
                &[("idempotency-key", key)],
            )
            .await
        }
    };
    let first = send(NATURAL, body.clone(), "user-21").await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{first:?}");
    let again = send(NATURAL, body.clone(), "user-21").await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    let (users, _) = footprint(&p).await;
    assert_eq!(users, 1, "the retry created nothing");
    // The same key for another body, or another endpoint: 422.
    let other = send(
        NATURAL,
        person(&dni(22), "+34621000022").to_string(),
        "user-21",
    )
    .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{other:?}");
    let elsewhere = send(
        JURIDICAL,
        company("A58818501", "+34621000021").to_string(),
        "user-21",
    )
    .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{elsewhere:?}"
    );
    // Without the key, the same body is the same person again: 409.
    let twice = p
        .post(&p.client_key, NATURAL, person(&dni(21), "+34621000021"))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{twice:?}");
    // A refused request does not keep its key: sent right, it is created.
    let bad = send(
        NATURAL,
        person("12345678A", "+34621000023").to_string(),
        "user-23",
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let good = send(
        NATURAL,
        person(&dni(23), "+34621000023").to_string(),
        "user-23",
    )
    .await;
    assert_eq!(good.status, StatusCode::ACCEPTED, "{good:?}");
}

#[sqlx::test(migrations = false)]
async fn the_document_lists_the_users_operations(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let doc = p
        .raw(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await
        .body;
    for (path, method, status) in [
        (NATURAL, "post", "202"),
        (JURIDICAL, "post", "202"),
        (USERS, "get", "200"),
        ("/api/v1/public/users/{userId}", "get", "200"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op["responses"][status].is_object(), "{method} {path}: {op}");
        assert_eq!(op["tags"], json!(["users"]), "{method} {path}");
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["MobilePhone"]["pattern"], r"^\+[1-9][0-9]{7,14}$");
    assert_eq!(schemas["Email"]["format"], "email");
    assert_eq!(schemas["BirthDate"]["format"], "date");
    assert_eq!(
        schemas["CountryCode"]["enum"].as_array().unwrap().len(),
        249
    );
    assert_eq!(
        schemas["UserStatus"]["enum"],
        json!(["CREATED", "VERIFIED", "ACTIVATED", "UNSUBSCRIBED"])
    );
    let natural = &schemas["CreateNaturalUser"];
    assert_eq!(natural["additionalProperties"], false, "{natural}");
    let required = natural["required"].as_array().unwrap();
    for field in [
        "name",
        "firstSurname",
        "documentType",
        "documentNumber",
        "birthDate",
        "nationality",
        "email",
        "mobilePhone",
        "address",
    ] {
        assert!(required.contains(&json!(field)), "{field} not required");
    }
    assert!(!required.contains(&json!("dltAddress")));
}
