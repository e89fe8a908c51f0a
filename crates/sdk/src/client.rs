use std::time::Duration;

use alloy::{
    network::{EthereumWallet, TxSigner},
    primitives::{Address, Signature, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English},
};
use emtoken_bindings::EmToken::{self, EmTokenInstance};
use rust_decimal::Decimal;

use crate::{
    Amount, Error, NetworkProfile, Preflight, Result, SendSettings, TxOutcome, sender::Sender,
};

/// A client of one EmToken contract, signing with one key (or read-only). Many transactions may be sent
/// concurrently from one client (see [`Sender`] for how nonces stay in order).
#[derive(Debug)]
pub struct EmTokenClient {
    contract: EmTokenInstance<DynProvider>,
    /// Shared with the clients of other tokens made by [`EmTokenClient::at`] (one key, one nonce order).
    sender: std::sync::Arc<Sender>,
    decimals: u8,
}

/// A transaction the node accepted (see [`EmTokenClient::submit`]).
#[derive(Debug, Clone)]
pub struct Submitted(crate::sender::Submission);

impl Submitted {
    /// The transaction's hash.
    pub fn tx_hash(&self) -> alloy::primitives::TxHash {
        self.0.tx_hash
    }
}

/// Builds an [`EmTokenClient`]: where to connect, who signs, how to send.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    url: String,
    /// Who signs: a local key, or any other transaction signer (a remote one).
    wallet: Option<EthereumWallet>,
    settings: SendSettings,
}

impl ClientBuilder {
    /// Signs with a hex private key.
    pub fn private_key(mut self, key: &str) -> Result<Self> {
        let signer: PrivateKeySigner = key
            .trim()
            .parse()
            .map_err(|e| Error::Invalid(format!("invalid private key: {e}")))?;
        self.wallet = Some(EthereumWallet::from(signer));
        Ok(self)
    }

    /// Signs with the key at BIP-44 `index` (m/44'/60'/0'/0/index) of a mnemonic.
    pub fn mnemonic(mut self, phrase: &str, index: u32) -> Result<Self> {
        let signer = MnemonicBuilder::<English>::default()
            .phrase(phrase)
            .index(index)
            .and_then(|b| b.build())
            .map_err(|e| {
                Error::Invalid(format!("cannot derive key {index} from the mnemonic: {e}"))
            })?;
        self.wallet = Some(EthereumWallet::from(signer));
        Ok(self)
    }

    /// Signs with this key.
    pub fn signer(mut self, signer: PrivateKeySigner) -> Self {
        self.wallet = Some(EthereumWallet::from(signer));
        self
    }

    /// Signs with any transaction signer: a remote one ([`crate::Web3Signer`]), a hardware wallet, or
    /// a local key. The client's address is the signer's.
    pub fn tx_signer<S>(mut self, signer: S) -> Self
    where
        S: TxSigner<Signature> + Send + Sync + 'static,
    {
        self.wallet = Some(EthereumWallet::new(signer));
        self
    }

    /// Anvil (EIP-1559) or Besu (legacy, gas price 0).
    pub fn profile(mut self, profile: NetworkProfile) -> Self {
        self.settings.profile = profile;
        self
    }

    /// Blocks to wait on top of the including one before a receipt counts.
    pub fn confirmations(mut self, confirmations: u64) -> Self {
        self.settings.confirmations = confirmations;
        self
    }

    /// How long to wait for a receipt.
    pub fn receipt_timeout(mut self, timeout: Duration) -> Self {
        self.settings.receipt_timeout = timeout;
        self
    }

    /// Which state sends are checked against before they are handed over (default: the node's pending
    /// state; see [`Preflight`]).
    pub fn preflight(mut self, preflight: Preflight) -> Self {
        self.settings.preflight = preflight;
        self
    }

    /// All send settings at once.
    pub fn settings(mut self, settings: SendSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Connects (http(s) or ws(s) URL) to the EmToken contract at `address`; reads its decimals and the
    /// chain id once.
    pub async fn connect(self, address: Address) -> Result<EmTokenClient> {
        let sender = self.sender().await?;
        EmTokenClient::with_sender(sender, address).await
    }

    /// The sending half of a client, before there is a contract address (deployment).
    pub(crate) async fn sender(&self) -> Result<Sender> {
        let (provider, chain_id) = self.provider().await?;
        Ok(Sender::new(
            provider,
            self.wallet.clone(),
            chain_id,
            self.settings,
        ))
    }

    /// The provider (with the signer's wallet when there is one) and the chain id.
    async fn provider(&self) -> Result<(DynProvider, u64)> {
        provider(&self.url).await
    }
}

/// A provider of the node at `url` and its chain id.
async fn provider(url: &str) -> Result<(DynProvider, u64)> {
    // Transactions are signed by the sender itself (it records them before the node has them).
    let provider = ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect(url)
        .await
        .map(|p| p.erased())
        .map_err(|source| Error::Rpc {
            call: "connect",
            source,
        })?;
    let chain_id = provider.get_chain_id().await.map_err(|source| Error::Rpc {
        call: "eth_chainId",
        source,
    })?;
    Ok((provider, chain_id))
}

impl EmTokenClient {
    /// A client of the contract at `address` sending through `sender`; reads the token's decimals.
    pub(crate) async fn with_sender(sender: Sender, address: Address) -> Result<Self> {
        Self::sharing(std::sync::Arc::new(sender), address).await
    }

    pub(crate) async fn sharing(sender: std::sync::Arc<Sender>, address: Address) -> Result<Self> {
        let contract = EmToken::new(address, sender.provider().clone());
        let decimals = contract
            .decimals()
            .call()
            .await
            .map_err(|e| contract_error("decimals", e))?;
        Ok(Self {
            contract,
            sender,
            decimals,
        })
    }

    /// A client of the EmToken contract at `address` on the same node, signing with the same key and
    /// sharing this client's nonce order (transactions of both clients never take the same nonce); reads
    /// that token's decimals. For a platform running several tokens on one chain.
    pub async fn at(&self, address: Address) -> Result<Self> {
        Self::sharing(std::sync::Arc::clone(&self.sender), address).await
    }

    /// The same key on the node at `url` (http, https, ws or wss): another chain, where it signs with
    /// the same send settings in that chain's own nonce order. The client returned is of no contract
    /// yet (its address is zero, its decimals 0): it deploys ([`crate::deploy_from`]), inspects tokens
    /// ([`EmTokenClient::inspect_token`]) and sends calls prepared by other clients; [`EmTokenClient::at`]
    /// on it gives clients of that chain's tokens sharing its nonce order. Reads the node's chain id.
    pub async fn elsewhere(&self, url: &str) -> Result<Self> {
        let (provider, chain_id) = provider(url).await?;
        let sender = self.sender.elsewhere(provider, chain_id);
        let contract = EmToken::new(Address::ZERO, sender.provider().clone());
        Ok(Self {
            contract,
            sender: std::sync::Arc::new(sender),
            decimals: 0,
        })
    }

    /// This client's sending half, shared (deployments in the same nonce order).
    pub(crate) fn shared_sender(&self) -> std::sync::Arc<Sender> {
        std::sync::Arc::clone(&self.sender)
    }

    /// A builder connecting to `url` (http, https, ws or wss).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            wallet: None,
            settings: SendSettings::default(),
        }
    }

    /// The contract's address.
    pub fn address(&self) -> Address {
        *self.contract.address()
    }

    /// The signing address, when the client signs.
    pub fn signer(&self) -> Option<Address> {
        self.sender.from()
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.sender.chain_id()
    }

    /// The token's decimals.
    pub fn decimals(&self) -> u8 {
        self.decimals
    }

    /// The underlying provider (for reads the client does not wrap).
    pub fn provider(&self) -> &DynProvider {
        self.sender.provider()
    }

    /// The typed contract instance (bindings) on this client's provider.
    pub fn contract(&self) -> &EmTokenInstance<DynProvider> {
        &self.contract
    }

    /// A decimal amount of this token, e.g. `client.amount(dec!(12.34))`.
    pub fn amount(&self, value: Decimal) -> Result<Amount> {
        Ok(Amount::from_decimal(value, self.decimals)?)
    }

    /// An amount of this token parsed from text, e.g. "12.34".
    pub fn parse_amount(&self, text: &str) -> Result<Amount> {
        Ok(Amount::parse(text, self.decimals)?)
    }

    /// Base units read from the chain, as an amount of this token.
    pub(crate) fn on_chain_amount(&self, value: U256) -> Result<Amount> {
        Ok(Amount::from_base_units(value, self.decimals)?)
    }

    /// Sends a call that creates a record issued by the signer with `operation`, and returns its key.
    pub(crate) async fn send_created(
        &self,
        call: crate::PreparedCall,
        operation: crate::OperationId,
    ) -> Result<crate::Created> {
        let id = self.issued_key(operation)?;
        Ok(crate::Created {
            id,
            outcome: self.send(call).await?,
        })
    }

    /// Hands a prepared call of the contract (e.g. `client.prepare().transfer(to, amount)`) to the node
    /// and returns once the node has accepted it, without waiting for it to be mined: a call the contract
    /// refuses fails here with the decoded error and consumes no nonce. Await
    /// [`EmTokenClient::outcome`] for its receipt. For services that answer before a transaction is mined
    /// (an HTTP API returning 202 with the transaction hash).
    pub async fn submit(&self, call: crate::PreparedCall) -> Result<Submitted> {
        let name = call.name();
        Ok(Submitted(self.sender.submit(name, call.into_tx()).await?))
    }

    /// Whether the contract would take `call` from this client's signer now, without sending it: the
    /// node's gas estimate against the pending state, made on its own (the check [`EmTokenClient::submit`]
    /// makes first, which concurrent sends share in one simulation); a call the
    /// contract refuses fails with the decoded error (e.g. a mint above the wallet's KYC limit). For a
    /// service that must know before doing something it cannot undo (charging a card).
    pub async fn check(&self, call: &crate::PreparedCall) -> Result<()> {
        self.sender.check(call.name(), call.tx().clone()).await
    }

    /// As [`EmTokenClient::submit`], and `record` gets the signed transaction (hash, nonce, raw bytes)
    /// before the node has it: a service stores it, so that whatever happens next (a crash, a lost
    /// connection) it can tell from the chain whether the transaction was sent, and send the very same
    /// bytes again if not. If `record` fails, nothing is sent. `record` may be called a second time (same
    /// nonce, fresh fees) when the node refused the first with fees cached up to a second before; and
    /// again with the next nonce read from the node when it answers [`crate::Error::NonceTaken`] (another
    /// sender of the same key holds that nonce), at most 5 times.
    pub async fn submit_recorded<F, Fut>(
        &self,
        call: crate::PreparedCall,
        record: F,
    ) -> Result<Submitted>
    where
        F: Fn(crate::SignedTx) -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let name = call.name();
        Ok(Submitted(
            self.sender
                .submit_recorded(name, call.into_tx(), record)
                .await?,
        ))
    }

    /// Waits for a submitted transaction's receipt (confirmations and timeout of this client) and
    /// decodes its events; a mined failure comes back as [`Error::Reverted`] with the reason.
    pub async fn outcome(&self, submitted: Submitted) -> Result<TxOutcome> {
        let receipt = self.sender.receipt(submitted.0).await?;
        Ok(TxOutcome::from_receipt(&receipt, self.address()))
    }

    /// Sends a prepared call and waits for its receipt (see [`Sender`]).
    pub async fn send(&self, call: crate::PreparedCall) -> Result<TxOutcome> {
        let name = call.name();
        let receipt = self.sender.send(name, call.into_tx()).await?;
        Ok(TxOutcome::from_receipt(&receipt, self.address()))
    }
}

/// Maps an error of a contract view call.
pub(crate) fn contract_error(call: &'static str, error: alloy::contract::Error) -> Error {
    match error {
        alloy::contract::Error::TransportError(source) => Error::from_rpc(call, source),
        other => Error::Invalid(format!("{call}: {other}")),
    }
}
