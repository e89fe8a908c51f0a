//! The platform guide's flows on a real chain, indexed into a real PostgreSQL: every wallet,
//! movement (type, status, amount, counterparty, transaction) and hold record is the one
//! docs/records.md prescribes, and reconciliation finds nothing.

mod common;

use common::{config, index, seed};
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::Deployed;
use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn seed_flows_become_the_records_of_movements_md(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let played = seed::play(&d).await;
    let store = Store::from_pool(pool).await.unwrap();
    let summary = index(config(&d, 0), &store).await;
    assert!(summary.events > 40, "{summary:?}");
    seed::assert_records(&store, &d, &played).await;
}
