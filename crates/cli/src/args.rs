//! Value parsers of the flags: each rejects a bad value with a message clap prints after the flag's
//! name and the value, e.g. `invalid value '0x12' for '--contract <ADDR>': expected 0x followed by 40
//! hex digits`, before anything is opened or written.

use std::net::{SocketAddr, ToSocketAddrs};

use alloy_primitives::Address;
use axum::http::Uri;
use emtoken_store::WalletRef;
use uuid::Uuid;

/// An account address: `0x` and 40 hex digits (any case).
pub(crate) fn address(text: &str) -> Result<Address, String> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .filter(|d| d.len() == 40 && d.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or("expected 0x followed by 40 hex digits")?;
    digits
        .parse::<Address>()
        .map_err(|e| format!("not an address: {e}"))
}

/// A wallet by address (`0x` + 40 hex digits) or by id (a UUID).
pub(crate) fn wallet(text: &str) -> Result<WalletRef, String> {
    if text.starts_with("0x") || text.starts_with("0X") {
        return address(text)
            .map(|a| WalletRef::Address(a.into_array()))
            .map_err(|_| {
                "expected a wallet address (0x followed by 40 hex digits) or a wallet id (UUID)"
                    .into()
            });
    }
    Uuid::parse_str(text).map(WalletRef::Id).map_err(|_| {
        "expected a wallet address (0x followed by 40 hex digits) or a wallet id (UUID)".into()
    })
}

/// A node's HTTP JSON-RPC endpoint: `http://` or `https://` with a host.
pub(crate) fn http_url(text: &str) -> Result<String, String> {
    url_with_scheme(text, &["http", "https"])
}

/// The base address of an HTTP service (`--public-url`, `--acquirer-url`): `http://` or `https://`
/// with a host, and optionally a path (no query or fragment: paths are appended to it).
pub(crate) fn public_url(text: &str) -> Result<String, String> {
    let url = http_url(text)?;
    if url.contains(['?', '#']) {
        return Err("expected a URL like https://HOST[:PORT][/PATH], without ? or #".into());
    }
    Ok(url)
}

/// Another chain's node: `CHAIN_ID=URL`, the chain's id (a positive integer) and its HTTP JSON-RPC
/// endpoint.
pub(crate) fn chain_rpc(text: &str) -> Result<(u64, String), String> {
    let (chain, url) = text
        .split_once('=')
        .ok_or("expected CHAIN_ID=URL, e.g. 31338=http://127.0.0.1:8546")?;
    let chain: u64 = chain
        .trim()
        .parse()
        .ok()
        .filter(|c| *c > 0 && i64::try_from(*c).is_ok())
        .ok_or_else(|| format!("the chain id must be a positive integer, got {chain:?}"))?;
    Ok((chain, http_url(url.trim())?))
}

/// A node's WebSocket endpoint: `ws://` or `wss://` with a host.
pub(crate) fn ws_url(text: &str) -> Result<String, String> {
    url_with_scheme(text, &["ws", "wss"])
}

/// A PostgreSQL server URL: `postgres://` or `postgresql://` with a host or a socket folder.
pub(crate) fn database_url(text: &str) -> Result<String, String> {
    let rest = text
        .strip_prefix("postgres://")
        .or_else(|| text.strip_prefix("postgresql://"))
        .ok_or("expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")?;
    if rest.is_empty() || rest.chars().any(char::is_whitespace) {
        return Err("expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE".into());
    }
    Ok(text.to_owned())
}

fn url_with_scheme(text: &str, schemes: &[&str]) -> Result<String, String> {
    let expected = || {
        let example = schemes
            .iter()
            .map(|s| format!("{s}://HOST:PORT"))
            .collect::<Vec<_>>();
        format!("expected a URL like {}", example.join(" or "))
    };
    let uri: Uri = text.parse().map_err(|_| expected())?;
    let scheme_ok = uri.scheme_str().is_some_and(|s| schemes.contains(&s));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    if scheme_ok && host_ok {
        Ok(text.to_owned())
    } else {
        Err(expected())
    }
}

/// A block number: 0 or more.
pub(crate) fn block_number(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| "expected a block number (a whole number, 0 or more)".into())
}

/// A number of blocks: 0 or more.
pub(crate) fn block_count(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| "expected a number of blocks (a whole number, 0 or more)".into())
}

/// A range of blocks, at least 1.
pub(crate) fn range_size(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a number of blocks, at least 1".into()),
    }
}

/// A whole number of milliseconds, at least 1.
pub(crate) fn millis(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number of milliseconds, at least 1".into()),
    }
}

/// A whole number of milliseconds, 0 or more.
pub(crate) fn millis_or_zero(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| "expected a whole number of milliseconds, 0 or more".into())
}

/// An address to listen on: `HOST:PORT`, e.g. `127.0.0.1:9100` or `localhost:9100`.
pub(crate) fn listen_addr(text: &str) -> Result<SocketAddr, String> {
    let expected = "expected HOST:PORT, e.g. 127.0.0.1:9100";
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.to_socket_addrs()
        .map_err(|e| format!("{expected} ({e})"))?
        .next()
        .ok_or_else(|| format!("{expected} (the host has no address)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_need_the_prefix_and_40_hex_digits() {
        let a = "0x00000000000000000000000000000000000000aB";
        assert_eq!(address(a).unwrap().into_array()[19], 0xab);
        for bad in [
            "00000000000000000000000000000000000000ab",
            "0x12",
            "0xzz00000000000000000000000000000000000000",
            "",
        ] {
            assert!(address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn chain_rpcs_name_the_chain_and_its_node() {
        assert_eq!(
            chain_rpc("31338=http://127.0.0.1:8546").unwrap(),
            (31_338, "http://127.0.0.1:8546".to_owned())
        );
        for bad in [
            "http://127.0.0.1:8546",
            "0=http://127.0.0.1:8546",
            "-1=http://127.0.0.1:8546",
            "x=http://127.0.0.1:8546",
            "31338=ws://127.0.0.1:8546",
            "31338=",
        ] {
            assert!(chain_rpc(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wallets_are_addresses_or_uuids() {
        let id = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
        assert_eq!(
            wallet(id).unwrap(),
            WalletRef::Id(Uuid::parse_str(id).unwrap())
        );
        assert!(matches!(
            wallet("0x00000000000000000000000000000000000000ab"),
            Ok(WalletRef::Address(_))
        ));
        assert!(wallet("0x12").is_err());
        assert!(wallet("alice").is_err());
    }

    #[test]
    fn urls_need_their_scheme_and_a_host() {
        assert!(http_url("http://127.0.0.1:8545").is_ok());
        assert!(http_url("https://rpc.example.org/v1/key").is_ok());
        assert!(http_url("ws://127.0.0.1:8545").is_err());
        assert!(http_url("not a url").is_err());
        assert!(http_url("127.0.0.1:8545").is_err());
        assert!(ws_url("wss://node.example.org").is_ok());
        assert!(ws_url("http://node.example.org").is_err());
        assert!(database_url("postgres://u:p@localhost:5432/db").is_ok());
        assert!(database_url("postgresql:///db?host=/run/postgresql").is_ok());
        assert!(database_url("mysql://localhost/db").is_err());
        assert!(database_url("postgres://").is_err());
        assert!(public_url("https://api.example.com/emtoken").is_ok());
        assert!(public_url("http://127.0.0.1:8080").is_ok());
        for bad in [
            "api.example.com",
            "ftp://api.example.com",
            "https://a.example/?x=1",
            "https://a.example/#x",
        ] {
            assert!(public_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_are_not_negative() {
        assert_eq!(block_number("0").unwrap(), 0);
        assert!(block_number("-1").is_err());
        assert!(millis("0").is_err());
        assert!(millis("-5").is_err());
        assert_eq!(millis("250").unwrap(), 250);
        assert_eq!(millis_or_zero("0").unwrap(), 0);
        assert!(millis_or_zero("-1").is_err());
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(listen_addr("127.0.0.1:9100").unwrap().port(), 9100);
        assert_eq!(listen_addr("localhost:9100").unwrap().port(), 9100);
        assert!(listen_addr("9100").is_err());
        assert!(listen_addr("localhost").is_err());
    }
}
