//! What a token at an address is, before the platform takes it on: an EmToken proxy (code, an
//! implementation), its name, symbol and decimals, and whether the platform's keys hold their roles.

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
};

use crate::{EmTokenClient, Error, Result, Role, bindings::EmToken};

/// An EmToken deployment as read from the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFacts {
    /// The token (its proxy).
    pub address: Address,
    /// The implementation the proxy runs.
    pub implementation: Address,
    /// `name()`.
    pub name: String,
    /// `symbol()`.
    pub symbol: String,
    /// `decimals()`.
    pub decimals: u8,
}

/// Why an address is not a token the platform can take on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAToken {
    /// No contract at the address.
    #[error("there is no contract at {0}")]
    NoCode(Address),
    /// A contract, but not an EmToken proxy (its views are missing or refuse).
    #[error("the contract at {0} is not an EmToken proxy ({1})")]
    NotEmToken(Address, String),
}

impl EmTokenClient {
    /// Reads the EmToken at `address` on this client's chain: its code, implementation, name, symbol
    /// and decimals. `Ok(Err(..))` when the address holds no EmToken; `Err` when the node cannot be
    /// read.
    pub async fn inspect_token(
        &self,
        address: Address,
    ) -> Result<std::result::Result<TokenFacts, NotAToken>> {
        let provider = self.provider();
        let code = provider
            .get_code_at(address)
            .await
            .map_err(|e| Error::Rpc {
                call: "eth_getCode",
                source: e,
            })?;
        if code.is_empty() {
            return Ok(Err(NotAToken::NoCode(address)));
        }
        let token = EmToken::new(address, provider.clone());
        let not = |what: &str, e: alloy::contract::Error| {
            NotAToken::NotEmToken(address, format!("{what}: {e}"))
        };
        let implementation = match token.implementation().call().await {
            Ok(a) if a != Address::ZERO => a,
            Ok(_) => {
                return Ok(Err(NotAToken::NotEmToken(
                    address,
                    "no implementation".into(),
                )));
            }
            Err(e) => return Ok(Err(not("implementation()", e))),
        };
        let name = match token.name().call().await {
            Ok(v) => v,
            Err(e) => return Ok(Err(not("name()", e))),
        };
        let symbol = match token.symbol().call().await {
            Ok(v) => v,
            Err(e) => return Ok(Err(not("symbol()", e))),
        };
        let decimals = match token.decimals().call().await {
            Ok(v) => v,
            Err(e) => return Ok(Err(not("decimals()", e))),
        };
        Ok(Ok(TokenFacts {
            address,
            implementation,
            name,
            symbol,
            decimals,
        }))
    }

    /// Whether `account` holds `role` on the EmToken at `token` (another deployment than this
    /// client's, on its chain).
    pub async fn has_role_on(&self, token: Address, role: Role, account: Address) -> Result<bool> {
        let id: B256 = role.id();
        EmToken::new(token, self.provider().clone())
            .hasRole(id, account)
            .call()
            .await
            .map_err(|e| crate::client::contract_error("hasRole", e))
    }
}
