//! Following new heads from a WebSocket subscription. Each announced header is kept for the next step
//! (which then asks the node only for the block's logs) and wakes the poller. Blocks are always indexed
//! by range from the checkpoint, so a dropped subscription loses nothing: the poller asks the node.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::providers::{Provider, ProviderBuilder, WsConnect};
use futures::StreamExt;
use tokio::sync::Notify;

use crate::rpc::Header;

/// The header the node announced last (`None` until one is, or when it was found stale).
pub(crate) type Announced = Arc<Mutex<Option<Header>>>;

/// Subscribes to newHeads at `url`, keeps each header in `announced` and wakes `wake`; reconnects with
/// a pause when it drops.
pub(crate) async fn follow_new_heads(url: String, wake: Arc<Notify>, announced: Announced) {
    loop {
        match ProviderBuilder::new()
            .connect_ws(WsConnect::new(url.clone()))
            .await
        {
            Ok(provider) => match provider.subscribe_blocks().await {
                Ok(subscription) => {
                    let mut heads = subscription.into_stream();
                    while let Some(head) = heads.next().await {
                        let header =
                            crate::decode::timestamp(head.timestamp)
                                .ok()
                                .map(|time| Header {
                                    number: head.number,
                                    hash: head.hash,
                                    parent_hash: head.parent_hash,
                                    time,
                                });
                        *announced.lock().expect("announced head lock") = header;
                        wake.notify_one();
                    }
                    tracing::warn!(%url, "newHeads subscription ended; polling continues, reconnecting");
                }
                Err(error) => {
                    tracing::warn!(%url, %error, "newHeads subscription refused; polling continues")
                }
            },
            Err(error) => {
                tracing::warn!(%url, %error, "websocket connection failed; polling continues")
            }
        }
        *announced.lock().expect("announced head lock") = None;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests;
