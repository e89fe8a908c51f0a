//! The guide's first steps: a person becomes a user, verifies the phone with the code the development
//! outbox got, gets a first wallet (the user ACTIVATED); then the compliance side raises a user's KYC
//! level and the wallet gets its IBAN.

use std::path::PathBuf;

use anyhow::{Context, bail};
use emtoken_api::answers::{
    CodeSent, KycChange, Page, User, UserCreated, UserStatus, Wallet, WalletList, WalletStatus,
};
use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Demo, DemoWallet, PUBLIC, http::wait_for};
use crate::commands::database::{DatabaseArgs, Open};

/// Where the demo reads the codes the platform sent.
pub(super) enum Outbox {
    /// The lines `emtoken serve --sms-outbox-file` writes.
    File(PathBuf),
    /// The development outbox in the database (a PostgreSQL server, or the embedded database when no
    /// `serve` holds it).
    Database(DatabaseArgs),
}

/// A person of the guide.
pub(super) struct Person {
    /// "A" or "B".
    pub(super) name: &'static str,
    pub(super) given: &'static str,
    pub(super) first_surname: &'static str,
    pub(super) second_surname: &'static str,
    pub(super) email: &'static str,
    pub(super) birth_date: &'static str,
}

/// The two persons of the demo.
pub(super) const PERSONS: [Person; 2] = [
    Person {
        name: "A",
        given: "Ana María",
        first_surname: "García",
        second_surname: "López",
        email: "ana.garcia@example.com",
        birth_date: "1990-05-17",
    },
    Person {
        name: "B",
        given: "Bruno",
        first_surname: "Díaz",
        second_surname: "Martín",
        email: "bruno.diaz@example.com",
        birth_date: "1987-11-02",
    },
];

/// The evidence the compliance side gives for user A's KYC level 1.
pub(super) const KYC_EVIDENCE: &str = "DEMO-KYC-0001: DNI and proof of address checked";

/// A DNI with its check letter: eight digits and the letter of their remainder by 23.
pub(super) fn dni(number: u32) -> String {
    const LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let number = number % 100_000_000;
    format!("{number:08}{}", char::from(LETTERS[(number % 23) as usize]))
}

/// A fresh DNI and Spanish mobile phone (a client may not reuse either: drawn at random so that the
/// demo can play again on the same database).
fn identity() -> (String, String) {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let draw =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let document = dni(10_000_000 + draw(0) % 90_000_000);
    let phone = format!("+346{:08}", draw(4) % 100_000_000);
    (document, phone)
}

/// The body of `POST /api/v2/public/users/natural` for `person`.
fn body(person: &Person, document: &str, phone: &str, address: Option<&str>) -> Value {
    let mut body = json!({
        "name": person.given,
        "firstSurname": person.first_surname,
        "secondSurname": person.second_surname,
        "documentType": "DNI",
        "documentNumber": document,
        "birthDate": person.birth_date,
        "nationality": "ES",
        "email": person.email,
        "mobilePhone": phone,
        "address": {
            "street": "Calle Mayor 1",
            "city": "Madrid",
            "postalCode": "28013",
            "region": "Madrid",
            "country": "ES"
        }
    });
    if let Some(address) = address {
        body["dltAddress"] = json!(address);
    }
    body
}

/// The code of an SMS (`"Your <client> verification code: 123456. …"`): the six digits after its last `code: `, else
/// its first run of six digits (a client's name may hold digits too).
pub(super) fn code_in(text: &str) -> Option<&str> {
    fn six(text: &str) -> Option<&str> {
        text.split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
    }
    text.rfind("code: ")
        .and_then(|at| six(&text[at..]))
        .or_else(|| six(text))
}

impl Demo {
    /// Onboards `person`: user created (at `address` when given), phone verified with the outbox's code,
    /// first wallet READY and the user ACTIVATED; the wallet.
    pub(super) async fn onboard(
        &mut self,
        person: &'static Person,
        address: Option<String>,
    ) -> anyhow::Result<DemoWallet> {
        let name = person.name;
        let (document, phone) = identity();
        let reply = self
            .api
            .post(
                &self.key,
                "/api/v2/public/users/natural",
                &body(person, &document, &phone, address.as_deref()),
            )
            .await?;
        if reply.status == StatusCode::CONFLICT {
            bail!(
                "user {name}: the API refused it: {}; the demo makes new users: pass another --address, or restart the devnet",
                reply.body
            );
        }
        let user: UserCreated = reply.answer(StatusCode::ACCEPTED, &format!("POST user {name}"))?;
        let user_id = user.id.to_string();
        self.note(format!(
            "user {name} created: {} {} (DNI {document}, {phone}), {user_id}, {}, address {}",
            person.given, person.first_surname, user.status, user.dlt_address
        ));

        let sent: CodeSent = self
            .api
            .post(
                &self.key,
                &format!("{PUBLIC}/users/{user_id}/request-otp"),
                &json!({}),
            )
            .await?
            .answer(
                StatusCode::ACCEPTED,
                &format!("POST request-otp of user {name}"),
            )?;
        self.note(format!(
            "user {name}: code sent by SMS to {} (valid until {})",
            sent.sent_to, sent.expires_at
        ));
        let code = self.code(&user_id).await?;
        let verified: User = self
            .api
            .post(
                &self.key,
                &format!("{PUBLIC}/users/{user_id}/validate-otp"),
                &json!({ "code": code }),
            )
            .await?
            .answer(StatusCode::OK, &format!("POST validate-otp of user {name}"))?;
        self.note(format!(
            "user {name}: phone verified with the code {code} from the development outbox, {} at KYC level {}",
            verified.status,
            verified.kyc_level.map_or("-".to_owned(), |l| l.to_string())
        ));

        let wallet = self.first_wallet(name, &user_id).await?;
        self.await_user(name, &user_id, "ACTIVATED", |u| {
            u.status == UserStatus::Activated
        })
        .await?;
        self.note(format!(
            "user {name}: first wallet {} READY at {}, the user ACTIVATED",
            wallet.id, wallet.dlt_address
        ));
        Ok(DemoWallet {
            name,
            id: wallet.id.to_string(),
            user_id,
            address: wallet.dlt_address,
            iban: None,
            document,
            phone,
        })
    }

    /// The compliance side (bank key) raises the wallet's user to KYC `level`; waits until the wallet
    /// shows it.
    pub(super) async fn raise_kyc(&mut self, wallet: &DemoWallet, level: u8) -> anyhow::Result<()> {
        let change: KycChange = self
            .post(
                true,
                &format!("/api/v1/bank/users/{}/kyc", wallet.user_id),
                json!({ "kycLevel": level, "evidence": KYC_EVIDENCE }),
                &format!("bank KYC level of user {}", wallet.name),
            )
            .await?;
        self.await_wallet(wallet, &format!("KYC level {level}"), |w| {
            w.kyc_level == Some(i16::from(level))
        })
        .await?;
        self.note(format!(
            "user {}: KYC level {} (was {}) set by the bank on {} wallet(s), evidence '{}'",
            wallet.name,
            change.kyc_level,
            change
                .previous_kyc_level
                .map_or("-".to_owned(), |l| l.to_string()),
            change.wallet_ids.len(),
            change.evidence
        ));
        Ok(())
    }

    /// Gives the wallet its IBAN (`create-iban`).
    pub(super) async fn create_iban(&mut self, wallet: &mut DemoWallet) -> anyhow::Result<()> {
        let answer: Wallet = self
            .api
            .post(
                &self.key,
                &format!("{PUBLIC}/wallets/{}/create-iban", wallet.id),
                &json!({}),
            )
            .await?
            .answer(
                StatusCode::OK,
                &format!("POST create-iban of wallet {}", wallet.name),
            )?;
        let iban = answer.iban.with_context(|| {
            format!(
                "POST create-iban of wallet {}: the answer has no IBAN",
                wallet.name
            )
        })?;
        self.note(format!("wallet {}: IBAN {iban}", wallet.name));
        wallet.iban = Some(iban);
        Ok(())
    }

    /// Waits for the user's first wallet to be READY.
    async fn first_wallet(&self, name: &str, user_id: &str) -> anyhow::Result<Wallet> {
        let path = format!("{PUBLIC}/wallets?userId={user_id}");
        wait_for(
            &format!("the first wallet of user {name} to be READY"),
            self.timeout,
            async || {
                let page: Page<WalletList> = self
                    .api
                    .get(&self.key, &path)
                    .await?
                    .answer(StatusCode::OK, &format!("GET wallets of user {name}"))?;
                Ok(match page.embedded.wallets.into_iter().next() {
                    Some(w) if w.status == WalletStatus::Ready => Ok(w),
                    Some(w) => Err(format!("wallet {} {}", w.id, w.status)),
                    None => Err("no wallet yet".to_owned()),
                })
            },
        )
        .await
    }

    /// GET a user.
    pub(super) async fn user(&self, id: &str) -> anyhow::Result<User> {
        self.api
            .get(&self.key, &format!("{PUBLIC}/users/{id}"))
            .await?
            .answer(StatusCode::OK, &format!("GET user {id}"))
    }

    /// Waits until the user satisfies `ready`.
    async fn await_user(
        &self,
        name: &str,
        id: &str,
        what: &str,
        ready: impl Fn(&User) -> bool,
    ) -> anyhow::Result<()> {
        wait_for(
            &format!("user {name} ({id}) to be {what}"),
            self.timeout,
            async || {
                let u = self.user(id).await?;
                Ok(if ready(&u) {
                    Ok(())
                } else {
                    Err(format!("status {}", u.status))
                })
            },
        )
        .await
    }

    /// The newest code the development outbox holds for the user (waits for it to arrive).
    async fn code(&self, user_id: &str) -> anyhow::Result<String> {
        let user: uuid::Uuid = user_id.parse()?;
        let store = match &self.outbox {
            Outbox::File(_) => None,
            Outbox::Database(database) => Some(database.open(Open::Existing).await.context(
                "cannot read the development SMS outbox: give --database-url, or --sms-outbox-file (emtoken serve --sms-outbox --sms-outbox-file)",
            )?),
        };
        let result = wait_for(
            &format!("the SMS of user {user_id} in the development outbox"),
            self.timeout,
            async || {
                let texts = match (&self.outbox, &store) {
                    (Outbox::File(path), _) => file_texts(path, user)?,
                    (_, Some(store)) => store
                        .outbox(Some(user))
                        .await
                        .context("cannot read the SMS outbox")?
                        .into_iter()
                        .map(|m| m.text)
                        .collect(),
                    (Outbox::Database(_), None) => vec![],
                };
                Ok(match texts.last() {
                    Some(text) => match code_in(text) {
                        Some(code) => Ok(code.to_owned()),
                        None => bail!("the SMS of user {user_id} holds no code: {text:?}"),
                    },
                    None => Err("no SMS yet (is serve running with --sms-outbox?)".to_owned()),
                })
            },
        )
        .await;
        if let Some(store) = store {
            store.close().await.context("cannot close the database")?;
        }
        result
    }
}

/// The texts of `user`'s messages in a file `serve --sms-outbox-file` writes, oldest first.
fn file_texts(path: &std::path::Path, user: uuid::Uuid) -> anyhow::Result<Vec<String>> {
    let content = match std::fs::read_to_string(path) {
        Ok(content) => content,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read --sms-outbox-file {}", path.display()));
        }
    };
    let user = user.to_string();
    Ok(content
        .lines()
        // The last line may be half written.
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["userId"].as_str() == Some(user.as_str()))
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dni_letters() {
        // The check letters of the rule (number modulo 23).
        assert_eq!(dni(12_345_678), "12345678Z");
        assert_eq!(dni(87_654_321), "87654321X");
        assert_eq!(dni(0), "00000000T");
        for _ in 0..100 {
            let (document, phone) = identity();
            assert_eq!(document.len(), 9);
            assert!(!document.starts_with('0'));
            assert_eq!(phone.len(), 12);
        }
    }

    #[test]
    fn codes() {
        assert_eq!(
            code_in("EmToken: your code is 123456. It expires in 5 minutes."),
            Some("123456")
        );
        assert_eq!(code_in("1234 then 654321"), Some("654321"));
        assert_eq!(
            code_in("bench-61d567b3e8dc40209c7aaad01e176490 code: 560760. It verifies your phone"),
            Some("560760")
        );
        assert_eq!(code_in("no code"), None);
    }
}
