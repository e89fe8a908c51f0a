//! Reading the index for the read commands: through serve's socket while serve holds the embedded
//! database, else opening and always closing the store; chains by id, wallets by reference or by
//! address on a chain.

use std::collections::HashMap;

use anyhow::{Context, bail};
use emtoken_store::{Addr, ChainRow, Store, WalletRef, WalletRow};
use serde::de::DeserializeOwned;

use super::{
    database::{DatabaseArgs, Open},
    socket,
};
use crate::format;

/// The rows of a read command: asked of the serve that holds the embedded database (`query`, over its
/// socket: it runs the same query on its connection), else read with `read` on the index itself.
pub(crate) async fn read_rows<T: DeserializeOwned>(
    database: &DatabaseArgs,
    query: socket::Query,
    read: impl AsyncFnOnce(&mut Index) -> anyhow::Result<Vec<T>>,
) -> anyhow::Result<Vec<T>> {
    if let Some(serve) = socket::Serve::answering(database).await {
        return serve.ask(&query).await;
    }
    with_index(database, read).await
}

/// Runs `read` on the existing index, then closes it (which the embedded database needs) whatever
/// `read` returned.
pub(crate) async fn with_index<T>(
    database: &DatabaseArgs,
    read: impl AsyncFnOnce(&mut Index) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = database.open(Open::Existing).await?;
    let result = match Index::new(store.clone()).await {
        Ok(mut index) => read(&mut index).await,
        Err(error) => Err(error),
    };
    let closed = store.close().await.context("cannot close the database");
    let value = result?;
    closed?;
    Ok(value)
}

/// The index, with its chains and the wallets looked up so far.
#[derive(Debug)]
pub(crate) struct Index {
    store: Store,
    chains: HashMap<i64, ChainRow>,
    wallets: HashMap<(i64, Addr), Option<WalletRow>>,
}

impl Index {
    /// The index of `store`, with its chains read.
    pub(crate) async fn new(store: Store) -> anyhow::Result<Self> {
        let chains = store
            .chains()
            .await
            .context("cannot read the indexed chains")?;
        Ok(Self {
            store,
            chains: chains.into_iter().map(|c| (c.chain_id, c)).collect(),
            wallets: HashMap::new(),
        })
    }

    /// The store.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// An indexed chain.
    pub(crate) fn chain(&self, chain_id: i64) -> anyhow::Result<&ChainRow> {
        self.chains.get(&chain_id).with_context(|| {
            format!("the index has rows of chain {chain_id} but not the chain itself")
        })
    }

    /// The token decimals of a chain.
    pub(crate) fn decimals(&self, chain_id: i64) -> anyhow::Result<u32> {
        let decimals = self.chain(chain_id)?.decimals;
        u32::try_from(decimals)
            .with_context(|| format!("chain {chain_id} has negative decimals {decimals}"))
    }

    /// The wallet the user named; an error saying so when the index has none.
    pub(crate) async fn wallet(&self, which: WalletRef) -> anyhow::Result<WalletRow> {
        let found = self
            .store
            .wallet(which)
            .await
            .context("cannot read the wallet")?;
        match (found, which) {
            (Some(wallet), _) => Ok(wallet),
            (None, WalletRef::Address(address)) => {
                bail!("no wallet {} in the index", format::hex(&address))
            }
            (None, WalletRef::Id(id)) => bail!("no wallet {id} in the index"),
        }
    }

    /// The wallet of `address` on `chain_id`, if the index has one (looked up once per address).
    async fn wallet_at(
        &mut self,
        chain_id: i64,
        address: Addr,
    ) -> anyhow::Result<Option<&WalletRow>> {
        if !self.wallets.contains_key(&(chain_id, address)) {
            let by_id = WalletRef::Id(emtoken_indexer::wallet_id(chain_id, &address));
            let mut found = self
                .store
                .wallet(by_id)
                .await
                .context("cannot read a wallet")?;
            if found.is_none() {
                // Not under the indexer's id (a wallet the platform registered): by address, on this chain.
                found = self
                    .store
                    .wallet(WalletRef::Address(address))
                    .await
                    .context("cannot read a wallet")?
                    .filter(|w| w.chain_id == chain_id);
            }
            self.wallets.insert((chain_id, address), found);
        }
        Ok(self.wallets[&(chain_id, address)].as_ref())
    }

    /// The wallet id and user id of `address` on `chain_id` (None for no address, or no such wallet).
    pub(crate) async fn party(
        &mut self,
        chain_id: i64,
        address: Option<Addr>,
    ) -> anyhow::Result<(Option<String>, Option<String>)> {
        let Some(address) = address else {
            return Ok((None, None));
        };
        let found = self.wallet_at(chain_id, address).await?;
        Ok((
            found.map(|w| w.id.to_string()),
            found.and_then(|w| w.user_id).map(|u| u.to_string()),
        ))
    }
}
