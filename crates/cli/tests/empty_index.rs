//! The read commands on a fresh, empty database.

mod common;

use common::{Db, failure, success};

#[tokio::test]
async fn wallets_of_an_empty_index() {
    let db = Db::fresh().await;
    assert_eq!(success(&db.emtoken(&["--json", "wallets"])).trim(), "[]");
    assert_eq!(
        success(&db.emtoken(&["wallets"])).trim(),
        "no wallets in the index"
    );
}

#[tokio::test]
async fn an_unknown_wallet_is_a_clear_error() {
    let db = Db::fresh().await;
    let address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    for command in ["movements", "holds"] {
        let stderr = failure(&db.emtoken(&[command, "--wallet", address]));
        assert_eq!(
            stderr.trim(),
            "error: no wallet 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 in the index"
        );
        // With --json, the same as a JSON line.
        let stderr = failure(&db.emtoken(&["--json", command, "--wallet", address]));
        let error: serde_json::Value = serde_json::from_str(stderr.trim()).expect(&stderr);
        assert_eq!(
            error["error"],
            "no wallet 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 in the index"
        );
        let id = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
        let stderr = failure(&db.emtoken(&[command, "--wallet", id]));
        assert_eq!(stderr.trim(), format!("error: no wallet {id} in the index"));
    }
    // Nothing was written on the way.
    assert_eq!(success(&db.emtoken(&["--json", "wallets"])).trim(), "[]");
}
