//! `emtoken api-key list` and `api-key revoke`: the keys are listed by id, client and role (never the
//! key itself); a revoked key is refused by the platform from then on, the others keep working; bad ids
//! and unknown keys are clear errors that change nothing.

mod common;

use common::{Db, failure, success};
use serde_json::Value;

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Whether the platform takes each of the keys `api-key create` printed (the check every request makes).
async fn accepted(db: &Db, created: &[&Value]) -> Vec<bool> {
    let store = db.store().await;
    let mut taken = vec![];
    for c in created {
        let hash = emtoken_api::hash_api_key(c["apiKey"].as_str().unwrap());
        taken.push(store.client_by_key(hash).await.unwrap().is_some());
    }
    store.close().await.unwrap();
    taken
}

#[tokio::test]
async fn keys_are_listed_and_revoked_by_id_or_client() {
    let db = Db::fresh().await;
    let create = |client: &str, extra: &[&str]| {
        let mut args = vec!["--json", "api-key", "create", "--client", client];
        args.extend_from_slice(extra);
        json(&success(&db.emtoken(&args)))
    };
    let first = create("acme", &[]);
    let second = create("acme", &[]);
    let bank = create("bank", &["--bank"]);
    let key = |c: &Value| c["apiKey"].as_str().unwrap().to_owned();
    let id = |c: &Value| c["keyId"].as_str().unwrap().to_owned();
    assert_eq!(id(&first).len(), 16, "{first}");

    let listed = json(&success(&db.emtoken(&["--json", "api-key", "list"])));
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["keyId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{listed}");
    for c in [&first, &second, &bank] {
        assert!(ids.contains(&id(c).as_str()), "{listed}");
    }
    let text = success(&db.emtoken(&["api-key", "list", "--client", "acme"]));
    assert!(
        text.contains(&id(&first)) && !text.contains(&id(&bank)),
        "{text}"
    );
    // Never the key itself.
    assert!(!text.contains(&key(&first)), "{text}");
    assert!(text.contains(&format!("{}…", &key(&first)[..8])), "{text}");

    // By id: that key only.
    let revoked = json(&success(&db.emtoken(&[
        "--json",
        "api-key",
        "revoke",
        "--key-id",
        &id(&first),
    ])));
    assert_eq!(revoked.as_array().unwrap().len(), 1, "{revoked}");
    assert!(revoked[0]["revokedAt"].is_string(), "{revoked}");
    assert_eq!(
        accepted(&db, &[&first, &second, &bank]).await,
        [false, true, true]
    );
    let active = json(&success(&db.emtoken(&["--json", "api-key", "list"])));
    assert_eq!(active.as_array().unwrap().len(), 2, "{active}");
    let all = json(&success(&db.emtoken(&[
        "--json",
        "api-key",
        "list",
        "--revoked",
    ])));
    assert_eq!(all.as_array().unwrap().len(), 3, "{all}");

    // Again, an unknown id, a malformed one, neither flag: errors, nothing revoked.
    let again = failure(&db.emtoken(&["api-key", "revoke", "--key-id", &id(&first)]));
    assert!(again.contains("no key in use has this id"), "{again}");
    for bad in ["12", "zz00000000000000", "00000000000000000"] {
        let e = failure(&db.emtoken(&["api-key", "revoke", "--key-id", bad]));
        assert!(e.contains("--key-id"), "{bad}: {e}");
    }
    let e = failure(&db.emtoken(&["api-key", "revoke"]));
    assert!(e.contains("--key-id") && e.contains("--client"), "{e}");
    let active = json(&success(&db.emtoken(&["--json", "api-key", "list"])));
    assert_eq!(active.as_array().unwrap().len(), 2, "{active}");

    // By client: every key of it.
    let revoked =
        json(&success(&db.emtoken(&[
            "--json", "api-key", "revoke", "--client", "acme",
        ])));
    assert_eq!(revoked.as_array().unwrap().len(), 1, "{revoked}");
    assert_eq!(revoked[0]["keyId"], id(&second), "{revoked}");
    assert_eq!(
        accepted(&db, &[&first, &second, &bank]).await,
        [false, false, true]
    );

    // Each creation and revocation is in the audit trail, by key id, never the key.
    let store = db.store().await;
    let (entries, total) = store
        .audit_log(
            &emtoken_store::api::AuditQuery {
                method: Some("CLI".into()),
                ..Default::default()
            },
            emtoken_store::api::Paging { page: 0, size: 20 },
        )
        .await
        .unwrap();
    let trail: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.route.clone(), e.key_id.clone().unwrap_or_default()))
        .collect();
    assert_eq!(total, 5, "{trail:?}");
    assert_eq!(
        trail,
        [
            ("api-key create".to_owned(), id(&first)),
            ("api-key create".to_owned(), id(&second)),
            ("api-key create".to_owned(), id(&bank)),
            ("api-key revoke".to_owned(), id(&first)),
            ("api-key revoke".to_owned(), id(&second)),
        ]
    );
    assert!(
        entries
            .iter()
            .all(|e| e.actor.starts_with("cli:") && e.status == 200)
    );
}
