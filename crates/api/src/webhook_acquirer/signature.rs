//! The `EmToken-Signature` header of the webhook acquirer's protocol (docs/acquirer.md): both sides
//! sign what they send, `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, with the
//! secret they share. The receiver recomputes the MAC over the body as it arrived and compares it in
//! constant time, and refuses a time more than [`TOLERANCE`] away from its own (a replay).

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name.
pub const HEADER: &str = "EmToken-Signature";

/// How far a signature's time may be from the receiver's clock, either way.
pub const TOLERANCE: chrono::Duration = chrono::Duration::seconds(300);

/// The shortest shared secret taken.
pub const MIN_SECRET_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// The shared secret, as a keyed HMAC (its `Debug` shows nothing of it).
#[derive(Clone)]
pub struct Key(HmacSha256);

impl std::fmt::Debug for Key {
    /// Shows nothing of the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<secret>)")
    }
}

impl Key {
    /// The key of `secret`, at least [`MIN_SECRET_BYTES`] long; Err says how long it is ("shared
    /// secret has 5 bytes: …").
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "shared secret has {} bytes: at least {MIN_SECRET_BYTES} are needed (e.g. `openssl rand -hex 32 > FILE`)",
                secret.len()
            ));
        }
        <HmacSha256 as Mac>::new_from_slice(secret)
            .map(Self)
            .map_err(|e| format!("shared secret is not an HMAC key: {e}"))
    }

    /// The MAC over `"<t>.<body>"`.
    fn mac(&self, t: i64, body: &[u8]) -> HmacSha256 {
        let mut mac = self.0.clone();
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The header value signing `body` at `at`.
    pub fn sign(&self, at: DateTime<Utc>, body: &[u8]) -> String {
        let t = at.timestamp();
        let tag = self.mac(t, body).finalize().into_bytes();
        format!("t={t},v1={}", hex::encode(tag))
    }

    /// Checks `header` (None: there was none) against `body` at `now`.
    pub fn verify(
        &self,
        header: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), Refused> {
        let (t, tag) = parse(header.ok_or(Refused::Missing)?)?;
        // The MAC first: how stale a signature is, is told only to whoever knows the secret.
        self.mac(t, body)
            .verify_slice(&tag)
            .map_err(|_| Refused::Wrong)?;
        let off = now.timestamp() - t;
        if off.abs() > TOLERANCE.num_seconds() {
            return Err(Refused::Stale { t, off });
        }
        Ok(())
    }
}

/// Why a signature was refused: the text says what was wrong, never what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// No header.
    #[error("no {HEADER} header")]
    Missing,
    /// The header is not `t=<unix seconds>,v1=<64 hex digits>`.
    #[error("{HEADER} is not t=<unix seconds>,v1=<64 hex digits>")]
    Malformed,
    /// The MAC does not match the body under the shared secret.
    #[error("{HEADER} does not match the body")]
    Wrong,
    /// The signature's time is too far from now.
    #[error("{HEADER} was made at {t}, {off} s from now (at most {} s either way)", TOLERANCE.num_seconds())]
    Stale {
        /// The signature's time, Unix seconds.
        t: i64,
        /// Its distance from now, seconds (negative: in the future).
        off: i64,
    },
}

/// The `t` and the MAC of a header value.
fn parse(header: &str) -> Result<(i64, [u8; 32]), Refused> {
    let (mut t, mut v1) = (None, None);
    for element in header.split(',') {
        let (key, value) = element.split_once('=').ok_or(Refused::Malformed)?;
        let slot = match key {
            "t" => &mut t,
            "v1" => &mut v1,
            _ => return Err(Refused::Malformed),
        };
        if slot.replace(value).is_some() {
            return Err(Refused::Malformed);
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return Err(Refused::Malformed);
    };
    if t.is_empty() || t.len() > 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refused::Malformed);
    }
    let t = t.parse::<i64>().map_err(|_| Refused::Malformed)?;
    let mut tag = [0u8; 32];
    hex::decode_to_slice(v1, &mut tag).map_err(|_| Refused::Malformed)?;
    Ok((t, tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn sign(secret: &[u8], at: DateTime<Utc>, body: &[u8]) -> String {
        Key::new(secret).unwrap().sign(at, body)
    }

    fn verify(
        secret: &[u8],
        header: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), Refused> {
        Key::new(secret).unwrap().verify(header, body, now)
    }
    const BODY: &[u8] = br#"{"eventId":"evt_1","status":"APPROVED"}"#;

    fn at(t: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(t, 0).unwrap()
    }

    #[test]
    fn a_good_signature_is_taken_within_five_minutes_either_way() {
        let header = sign(SECRET, at(1_800_000_000), BODY);
        assert!(header.starts_with("t=1800000000,v1="), "{header}");
        assert_eq!(header.len(), "t=1800000000,v1=".len() + 64);
        for now in [1_800_000_000, 1_800_000_300, 1_799_999_700] {
            assert_eq!(verify(SECRET, Some(&header), BODY, at(now)), Ok(()));
        }
        // The same as anyone computes it: HMAC-SHA256(secret, "<t>.<body>").
        let mut expected = HmacSha256::new_from_slice(SECRET).unwrap();
        expected.update(b"1800000000.");
        expected.update(BODY);
        assert!(header.ends_with(&hex::encode(expected.finalize().into_bytes())));
    }

    #[test]
    fn a_short_secret_is_refused_and_never_shown() {
        let error = Key::new(&SECRET[..31]).unwrap_err();
        assert!(error.contains("31 bytes"), "{error}");
        let key = Key::new(SECRET).unwrap();
        assert_eq!(format!("{key:?}"), "Key(<secret>)");
    }

    #[test]
    fn a_wrong_secret_or_a_tampered_body_is_wrong() {
        let header = sign(SECRET, at(1_800_000_000), BODY);
        let now = at(1_800_000_001);
        assert_eq!(
            verify(
                b"0123456789abcdef0123456789abcdeF",
                Some(&header),
                BODY,
                now
            ),
            Err(Refused::Wrong)
        );
        let tampered = br#"{"eventId":"evt_1","status":"DECLINED"}"#;
        assert_eq!(
            verify(SECRET, Some(&header), tampered, now),
            Err(Refused::Wrong)
        );
        // The time is signed too: another t with the same MAC is wrong.
        let moved = header.replace("t=1800000000", "t=1800000001");
        assert_eq!(verify(SECRET, Some(&moved), BODY, now), Err(Refused::Wrong));
    }

    #[test]
    fn a_stale_or_future_signature_is_refused() {
        let header = sign(SECRET, at(1_800_000_000), BODY);
        assert_eq!(
            verify(SECRET, Some(&header), BODY, at(1_800_000_301)),
            Err(Refused::Stale {
                t: 1_800_000_000,
                off: 301
            })
        );
        assert_eq!(
            verify(SECRET, Some(&header), BODY, at(1_799_999_699)),
            Err(Refused::Stale {
                t: 1_800_000_000,
                off: -301
            })
        );
    }

    #[test]
    fn a_missing_or_malformed_header_is_refused() {
        let now = at(1_800_000_000);
        assert_eq!(verify(SECRET, None, BODY, now), Err(Refused::Missing));
        let good = sign(SECRET, now, BODY);
        let tag = good.split_once("v1=").unwrap().1.to_owned();
        for bad in [
            String::new(),
            "garbage".into(),
            format!("v1={tag}"),
            "t=1800000000".into(),
            format!("t=1800000000,v1={}", &tag[..63]),
            format!("t=1800000000,v1={}zz", &tag[..62]),
            format!("t=-1800000000,v1={tag}"),
            format!("t=18e8,v1={tag}"),
            format!("t=1800000000,v1={tag},v1={tag}"),
            format!("t=1800000000,t=1800000000,v1={tag}"),
            format!("t=1800000000, v1={tag}"),
            format!("t=1800000000,v0={tag}"),
            format!("t=99999999999999,v1={tag}"),
        ] {
            assert_eq!(
                verify(SECRET, Some(&bad), BODY, now),
                Err(Refused::Malformed),
                "{bad:?}"
            );
        }
        // Upper-case hex is hex.
        assert_eq!(
            verify(
                SECRET,
                Some(&format!("t=1800000000,v1={}", tag.to_uppercase())),
                BODY,
                now
            ),
            Ok(())
        );
    }
}
