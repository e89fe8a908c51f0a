//! Waking the poller on new heads from a WebSocket subscription. The subscription only wakes: blocks
//! are always fetched by range from the checkpoint, so a dropped subscription loses nothing.

use std::{sync::Arc, time::Duration};

use alloy::providers::{Provider, ProviderBuilder, WsConnect};
use futures::StreamExt;
use tokio::sync::Notify;

/// Subscribes to newHeads at `url` and wakes `wake` on each; reconnects with a pause when it drops.
pub(crate) async fn wake_on_new_heads(url: String, wake: Arc<Notify>) {
    loop {
        match ProviderBuilder::new()
            .connect_ws(WsConnect::new(url.clone()))
            .await
        {
            Ok(provider) => match provider.subscribe_blocks().await {
                Ok(subscription) => {
                    let mut heads = subscription.into_stream();
                    while heads.next().await.is_some() {
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
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
