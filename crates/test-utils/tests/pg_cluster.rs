//! A throwaway PostgreSQL cluster: it answers, refuses connections once stopped, answers again on the
//! same port once started, and leaves nothing behind when dropped.

use emtoken_test_utils::{Error, PgCluster};
use sqlx::{Connection, PgConnection};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_stops_starts_again_and_goes_away() {
    let mut cluster = match PgCluster::start_new() {
        Ok(cluster) => cluster,
        Err(Error::PostgresMissing) => {
            eprintln!("skipped: PostgreSQL's server binaries are not installed");
            return;
        }
        Err(other) => panic!("{other}"),
    };
    let url = cluster.url();
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(one, 1);

    tokio::task::block_in_place(|| cluster.stop()).expect("stop");
    assert!(!cluster.is_running());
    // The server closed the open connection, and refuses new ones.
    assert!(
        sqlx::query("SELECT 1").execute(&mut conn).await.is_err(),
        "the connection survived the stop"
    );
    assert!(PgConnection::connect(&url).await.is_err());

    tokio::task::block_in_place(|| cluster.start()).expect("start");
    assert!(cluster.is_running());
    let mut conn = PgConnection::connect(&url).await.expect("connect again");
    let fsync: String = sqlx::query_scalar("SHOW fsync")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(fsync, "off");
    drop(conn);

    let dir = cluster.dir().to_path_buf();
    drop(cluster);
    assert!(!dir.exists(), "{} left behind", dir.display());
    assert!(PgConnection::connect(&url).await.is_err());
}
