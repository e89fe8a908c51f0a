//! The same suite on the embedded PostgreSQL (the zero-setup default): the platform guide's flow
//! becomes the records of docs/records.md, a second run adds nothing, reorganisations end like a
//! fresh index, and the data survives closing and reopening the database.

mod common;

use common::{config, index, seed};
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::Deployed;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_flow_on_the_embedded_database() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let played = seed::play(&d).await;

    let store = Store::open_embedded(dir.path()).await.unwrap();
    assert!(store.is_embedded());
    let summary = index(config(&d, 0), &store).await;
    assert!(summary.events > 40, "{summary:?}");
    seed::assert_records(&store, &d, &played).await;
    let dump = store.canonical_dump(31337).await.unwrap();
    assert_eq!(
        index(config(&d, 0), &store).await.events,
        0,
        "a second run adds nothing"
    );
    store.close().await.unwrap();

    // Reopened: the same index, and it resumes from its checkpoint.
    let store = Store::open_embedded(dir.path()).await.unwrap();
    assert_eq!(store.canonical_dump(31337).await.unwrap(), dump);
    assert_eq!(index(config(&d, 0), &store).await.events, 0);
    store.close().await.unwrap();
}
