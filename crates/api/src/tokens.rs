//! The tokens the API serves: the platform's own (`serve --contract`) and every token registered as an
//! issuer's on the same chain or on another chain the platform has a node of (`serve --chain-rpc`).
//! Each has a ledger of its own (the `chainId` of its rows: the chain's id for the platform's token,
//! [`ids::ledger_id`] of its chain and address for the others), its decimals, its currency and issuer,
//! and the platform's two keys as clients of its contract (sharing the keys' nonce order on that chain,
//! see [`EmTokenClient::at`]).
//!
//! A wallet belongs to one token: whatever is done with it is done on its token's contract, in its
//! token's decimals.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use alloy::primitives::Address;
use emtoken_sdk::{EmTokenClient, PreparedCall};
use emtoken_store::{WalletRow, ids};

use crate::{
    ApiState, ChainInfo, Problem,
    platform::{Call, Signer},
};

/// How long a token whose issuer is not registered yet is taken as it is (then its issuer is looked up
/// again: registering the platform's own token as an issuer's shows without a restart).
const UNREGISTERED_FOR: Duration = Duration::from_secs(2);

/// One token: its facts and the platform's clients of its contract.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Ledger, contract, decimals, network, currency and issuer.
    pub(crate) chain: Arc<ChainInfo>,
    /// The operator key on this token.
    pub(crate) operator: Arc<EmTokenClient>,
    /// The compliance key on this token.
    pub(crate) compliance: Arc<EmTokenClient>,
}

impl Token {
    /// The chain the token is on.
    pub(crate) fn evm_chain(&self) -> u64 {
        u64::try_from(self.chain.evm_chain_id).unwrap_or_default()
    }

    /// `call` (prepared on this token) signed by the operator key, on the token's chain.
    pub(crate) fn operator_call(&self, call: PreparedCall) -> Call {
        Call::on(self.evm_chain(), Signer::Operator, call)
    }

    /// `call` (prepared on this token) signed by the compliance key, on the token's chain.
    pub(crate) fn compliance_call(&self, call: PreparedCall) -> Call {
        Call::on(self.evm_chain(), Signer::Compliance, call)
    }
}

/// The tokens looked up so far, by ledger.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    by_ledger: RwLock<HashMap<i64, (Token, Instant)>>,
}

impl Tokens {
    fn cached(&self, ledger: i64) -> Option<Token> {
        let map = self
            .by_ledger
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&ledger)
            .filter(|(t, at)| t.chain.issuer_id.is_some() || at.elapsed() < UNREGISTERED_FOR)
            .map(|(t, _)| t.clone())
    }

    fn keep(&self, token: &Token) {
        let mut map = self
            .by_ledger
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(token.chain.chain_id, (token.clone(), Instant::now()));
    }

    /// Forgets every token (after an issuer was registered: the next look-up reads them again).
    pub(crate) fn forget(&self) {
        self.by_ledger
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

impl ApiState {
    /// The EVM chain's id (the platform's token's ledger).
    pub(crate) fn evm_chain_id(&self) -> i64 {
        self.chain.evm_chain_id
    }

    /// The token of ledger `ledger`, if the API serves it: the platform's own, or a token registered
    /// as an issuer's on a chain the platform reaches. Errors only when the database or a node cannot
    /// answer.
    pub(crate) async fn served_token(&self, ledger: i64) -> Result<Option<Token>, Problem> {
        if let Some(token) = self.tokens.cached(ledger) {
            return Ok(Some(token));
        }
        let evm = self.evm_chain_id();
        let (chain, contract) = if ledger == evm {
            (evm, self.chain.contract)
        } else {
            match self
                .registered_elsewhere()
                .await?
                .into_iter()
                .find(|(chain, t)| ids::ledger_id(*chain, &t.into_array()) == ledger)
            {
                Some(found) => found,
                None => return Ok(None),
            }
        };
        self.load_token(ledger, chain, contract).await.map(Some)
    }

    /// The registered tokens the API serves besides the platform's own, as (chain, contract), in the
    /// order registered.
    async fn registered_elsewhere(&self) -> Result<Vec<(i64, Address)>, Problem> {
        let evm = self.evm_chain_id();
        Ok(self
            .store
            .all_registered_tokens()
            .await?
            .into_iter()
            .map(|(chain, t)| (chain, Address::from(t)))
            .filter(|(chain, t)| {
                !(*chain == evm && *t == self.chain.contract)
                    && u64::try_from(*chain).is_ok_and(|c| self.platform.reaches(c))
            })
            .collect())
    }

    /// The token of `contract` on chain `chain`, if the API serves it.
    pub(crate) async fn token_on(
        &self,
        chain: i64,
        contract: Address,
    ) -> Result<Option<Token>, Problem> {
        let ledger = if chain == self.evm_chain_id() && contract == self.chain.contract {
            chain
        } else {
            ids::ledger_id(chain, &contract.0.0)
        };
        self.served_token(ledger).await
    }

    /// The token at `contract` the API serves: on the platform's own chain, else the first registered
    /// on another chain at that address.
    pub(crate) async fn token_at(&self, contract: Address) -> Result<Option<Token>, Problem> {
        if let Some(token) = self.token_on(self.evm_chain_id(), contract).await? {
            return Ok(Some(token));
        }
        for (chain, t) in self.registered_elsewhere().await? {
            if t == contract {
                return self.token_on(chain, t).await;
            }
        }
        Ok(None)
    }

    /// The token of `wallet`: 503 if the API does not serve it now (a token on a chain whose node
    /// `serve` was not given this time, `--chain-rpc`), rather than an answer in the wrong decimals.
    pub(crate) async fn token_of(&self, wallet: &WalletRow) -> Result<Token, Problem> {
        self.served_token(wallet.chain_id)
            .await?
            .ok_or_else(|| unserved(wallet))
    }

    /// The platform's own token.
    pub(crate) async fn primary_token(&self) -> Result<Token, Problem> {
        self.token_of_ledger(self.evm_chain_id()).await
    }

    /// The token of a ledger the API serves (500 otherwise).
    pub(crate) async fn token_of_ledger(&self, ledger: i64) -> Result<Token, Problem> {
        self.served_token(ledger)
            .await?
            .ok_or_else(|| Problem::internal(format!("ledger {ledger} is not served by this API")))
    }

    /// Every token the API serves: the platform's own first, then the registered ones in the order
    /// they were registered.
    pub(crate) async fn served_tokens(&self) -> Result<Vec<Token>, Problem> {
        let mut tokens = vec![self.primary_token().await?];
        for (chain, contract) in self.registered_elsewhere().await? {
            if let Some(token) = self.token_on(chain, contract).await? {
                tokens.push(token);
            }
        }
        Ok(tokens)
    }

    /// The tokens of several ledgers (those the API serves).
    pub(crate) async fn tokens_of(
        &self,
        ledgers: impl Iterator<Item = i64>,
    ) -> Result<HashMap<i64, Token>, Problem> {
        let mut tokens = HashMap::new();
        for ledger in ledgers {
            if !tokens.contains_key(&ledger)
                && let Some(token) = self.served_token(ledger).await?
            {
                tokens.insert(ledger, token);
            }
        }
        Ok(tokens)
    }

    async fn load_token(
        &self,
        ledger: i64,
        chain: i64,
        contract: Address,
    ) -> Result<Token, Problem> {
        let evm = self.evm_chain_id();
        let issuer = self
            .store
            .issuer_of_token(chain, contract.into_array())
            .await?;
        let (operator, compliance) = if chain == evm && contract == self.chain.contract {
            (
                Arc::clone(&self.platform.operator),
                Arc::clone(&self.platform.compliance),
            )
        } else {
            let unreachable = |e: emtoken_sdk::Error| {
                Problem::unavailable(format!(
                    "the node of chain {chain} cannot tell the decimals of token {contract:#x}: {e}"
                ))
                .retry_after(1)
            };
            let keys = self
                .platform
                .keys_on(u64::try_from(chain).unwrap_or_default())
                .await
                .map_err(unreachable)?;
            (
                Arc::new(keys.operator.at(contract).await.map_err(unreachable)?),
                Arc::new(keys.compliance.at(contract).await.map_err(unreachable)?),
            )
        };
        let token = Token {
            chain: Arc::new(ChainInfo {
                chain_id: ledger,
                evm_chain_id: chain,
                contract,
                decimals: operator.decimals(),
                network: if chain == evm {
                    self.chain.network.clone()
                } else {
                    format!("chain-{chain}")
                },
                currency: issuer.as_ref().map(|i| i.currency_code.clone()),
                issuer_id: issuer.as_ref().map(|i| i.id),
            }),
            operator,
            compliance,
        };
        self.tokens.keep(&token);
        Ok(token)
    }
}

/// The answer for a wallet of a token the API does not serve now.
pub(crate) fn unserved(wallet: &WalletRow) -> Problem {
    Problem::unavailable(format!(
        "wallet {} is on ledger {}, a token this platform does not serve now: its chain's node is not \
         given to it (serve --chain-rpc)",
        wallet.id, wallet.chain_id
    ))
}
