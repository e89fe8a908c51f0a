//! Reads of the API the demo waits on and reports from: wallets, movements, holds.

use anyhow::bail;
use emtoken_api::answers::{Hold, Movement, MovementList, Page, Wallet};
use emtoken_api::answers::{HoldStatus, MovementStatus};
use hyper::StatusCode;

use super::{Demo, DemoWallet, PUBLIC, Played, http::wait_for, step};

impl Demo {
    /// GET a wallet.
    pub(super) async fn wallet(&self, id: &str) -> anyhow::Result<Wallet> {
        self.api
            .get(&self.key, &format!("{PUBLIC}/wallets/{id}"))
            .await?
            .answer(StatusCode::OK, &format!("GET wallet {id}"))
    }

    /// Waits until the wallet satisfies `ready`.
    pub(super) async fn await_wallet(
        &self,
        wallet: &DemoWallet,
        what: &str,
        ready: impl Fn(&Wallet) -> bool,
    ) -> anyhow::Result<()> {
        wait_for(
            &format!("wallet {} ({}) to reach {what}", wallet.name, wallet.id),
            self.timeout,
            async || {
                let w = self.wallet(&wallet.id).await?;
                Ok(if ready(&w) {
                    Ok(())
                } else {
                    Err(format!(
                        "status {}, balance {}, available {}, held {}",
                        w.status, w.balance, w.available_balance, w.held_balance
                    ))
                })
            },
        )
        .await
    }

    /// Waits until a movement of the wallet is no longer PENDING; SUCCESS expected.
    pub(super) async fn await_movement(
        &self,
        wallet: &DemoWallet,
        movement: &str,
        what: &str,
    ) -> anyhow::Result<()> {
        let path = format!("{PUBLIC}/wallets/{}/movements/{movement}", wallet.id);
        let status = wait_for(
            &format!("{what} (movement {movement}) to be final"),
            self.timeout,
            async || {
                let reply = self.api.get(&self.key, &path).await?;
                Ok(match reply.status {
                    StatusCode::OK => {
                        let m: Movement = reply.answer(StatusCode::OK, &format!("GET {path}"))?;
                        if m.status == MovementStatus::Pending {
                            Err(m.status.to_string())
                        } else {
                            Ok(m.status)
                        }
                    }
                    StatusCode::NOT_FOUND => Err("not found yet".to_owned()),
                    other => bail!("GET {path}: {other}: {}", reply.body),
                })
            },
        )
        .await?;
        if status != MovementStatus::Success {
            bail!("{what} (movement {movement}) ended {status}, expected SUCCESS");
        }
        Ok(())
    }

    /// GET a hold of the wallet.
    pub(super) async fn get_hold(&self, wallet: &DemoWallet, hold: &str) -> anyhow::Result<Hold> {
        self.api
            .get(
                &self.key,
                &format!("{PUBLIC}/wallets/{}/holds/{hold}", wallet.id),
            )
            .await?
            .answer(StatusCode::OK, &format!("GET hold {hold}"))
    }

    /// Waits until a hold has `status`.
    pub(super) async fn await_hold(
        &self,
        wallet: &DemoWallet,
        hold: &str,
        status: HoldStatus,
    ) -> anyhow::Result<()> {
        wait_for(
            &format!("hold {hold} to be {status}"),
            self.timeout,
            async || {
                let h = self.get_hold(wallet, hold).await?;
                Ok(if h.status == status {
                    Ok(())
                } else {
                    Err(format!("status {}", h.status))
                })
            },
        )
        .await
    }

    /// GET every movement of a wallet (oldest first).
    pub(super) async fn movements(&self, wallet: &DemoWallet) -> anyhow::Result<Vec<Movement>> {
        let page: Page<MovementList> = self
            .api
            .get(
                &self.key,
                &format!("{PUBLIC}/wallets/{}/movements?size=100", wallet.id),
            )
            .await?
            .answer(
                StatusCode::OK,
                &format!("GET movements of wallet {}", wallet.name),
            )?;
        Ok(page.embedded.movements)
    }

    /// Waits until neither wallet has a PENDING movement.
    pub(super) async fn settle(&self, played: &Played) -> anyhow::Result<()> {
        for wallet in [&played.a, &played.b] {
            wait_for(
                &format!("every movement of wallet {} to be final", wallet.name),
                self.timeout,
                async || {
                    let pending: Vec<String> = self
                        .movements(wallet)
                        .await?
                        .iter()
                        .filter(|m| m.status == MovementStatus::Pending)
                        .map(|m| format!("{} {}", m.kind, m.amount))
                        .collect();
                    Ok(if pending.is_empty() {
                        Ok(())
                    } else {
                        Err(format!("PENDING: {}", pending.join(", ")))
                    })
                },
            )
            .await?;
        }
        step("every movement is final");
        Ok(())
    }
}
