//! The two probes of the live-lag stage (the index's database, the HTTP API) and the API client they use.

use std::time::{Duration, Instant};

use alloy::primitives::Address;
use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use sqlx::{Connection, PgConnection};
use tokio::sync::{mpsc, watch};

use super::{API_POLL, DB_POLL, Seen};
use crate::indexer::wait_until;

/// Attaches the fresh (on-chain registered, indexed) wallets to the API key's client: to users onboarded
/// first (phone codes from the outbox file `sms`), as many wallets to each as serve allows.
pub(super) async fn attach_wallets(
    base: &str,
    (key, bank_key): (&str, &str),
    sms: &std::path::Path,
    wallets: &[Address],
) -> anyhow::Result<()> {
    let url = format!("{base}/api/v1/public/wallets");
    wait_until(Duration::from_secs(60), Duration::from_millis(100), || {
        let url = url.clone();
        async move { Ok(crate::http::get(&url, Some(key)).await.is_ok()) }
    })
    .await
    .context("waiting for the API to answer")?;
    let users = crate::onboard::users_for(
        base,
        (key, bank_key),
        sms,
        wallets.len(),
        Duration::from_secs(120),
    )
    .await?;
    let posts = wallets.iter().enumerate().map(|(n, wallet)| {
        let (url, user) = (&url, crate::onboard::user_of(&users, n));
        async move {
            let body = serde_json::json!({ "userId": user, "dltAddress": format!("{wallet:#x}") });
            crate::http::post_json(url, key, &body)
                .await
                .with_context(|| format!("attaching {wallet:#x} through the API"))
        }
    });
    futures::stream::iter(posts)
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// Records when each recipient's TRANSFER_IN first appears in the index (rows of blocks after the last
/// one seen: a batch's rows commit together).
pub(super) async fn database_probe(
    url: String,
    chain_id: i64,
    after_block: u64,
    seen: Seen,
    stopped: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut db = PgConnection::connect(&url).await?;
    let mut cursor = i64::try_from(after_block)?;
    while !*stopped.borrow() {
        let rows: Vec<(Vec<u8>, i64)> = sqlx::query_as(
            "SELECT w.address, m.block_number FROM movements m JOIN wallets w ON w.id = m.wallet_id
             WHERE m.chain_id = $1 AND m.block_number > $2 AND m.type = 'TRANSFER_IN'",
        )
        .bind(chain_id)
        .bind(cursor)
        .fetch_all(&mut db)
        .await?;
        let now = Instant::now();
        {
            let mut seen = seen.lock().expect("seen lock");
            for (address, block) in rows {
                cursor = cursor.max(block);
                if address.len() == 20 {
                    seen.entry(Address::from_slice(&address)).or_insert(now);
                }
            }
        }
        tokio::time::sleep(DB_POLL).await;
    }
    db.close().await?;
    Ok(())
}

/// For each recipient announced just before its transfer is submitted, with the newest block announced
/// then, polls its movements through the API until a TRANSFER_IN is listed, from the first block announced
/// after that one (`latest_head`: the newest block the bench has seen announced).
pub(super) async fn api_probe(
    base: String,
    key: String,
    chain_id: i64,
    seen: Seen,
    (mut announced, latest_head): (
        mpsc::UnboundedReceiver<(Address, u64)>,
        watch::Receiver<u64>,
    ),
    stopped: watch::Receiver<bool>,
) {
    let mut polls = Vec::new();
    loop {
        let mut stop = stopped.clone();
        let next = tokio::select! {
            next = announced.recv() => next,
            _ = stop.wait_for(|s| *s) => None,
        };
        let Some((to, before)) = next else { break };
        let wallet = emtoken_indexer::wallet_id(chain_id, &to.into_array());
        let url =
            format!("{base}/api/v1/public/wallets/{wallet}/movements?sort=createdAt,desc&size=5");
        let (key, seen, stopped) = (key.clone(), seen.clone(), stopped.clone());
        let mut head = latest_head.clone();
        polls.push(tokio::spawn(async move {
            // Its block comes after `before` (a closed channel: the run is over).
            if head.wait_for(|&n| n > before).await.is_err() {
                return;
            }
            while !*stopped.borrow() {
                if let Ok(body) = crate::http::get(&url, Some(&key)).await
                    && body.contains("TRANSFER_IN")
                {
                    seen.lock()
                        .expect("seen lock")
                        .entry(to)
                        .or_insert_with(Instant::now);
                    return;
                }
                tokio::time::sleep(API_POLL).await;
            }
        }));
    }
    for poll in polls {
        poll.abort();
    }
}
