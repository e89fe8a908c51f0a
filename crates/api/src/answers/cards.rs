//! Card data: the temporal key a client encrypts a card's fields with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::SelfLink;

/// A temporal key for card data: valid 5 minutes, for one card cash-in of the client that asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TemporalPk {
    /// Links: this endpoint.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The AES-256 key as 64 lowercase hex digits, encrypted with the client's RSA public key (PKCS#1
    /// v1.5 padding: Java's `Cipher.getInstance("RSA")`), base64. Decrypt it with the client's private
    /// key, hex-decode it, and encrypt each card field with AES-256-ECB and PKCS#7 padding (Java's
    /// `Cipher.getInstance("AES")`) of its UTF-8 text, base64.
    #[serde(rename = "temporalPK")]
    #[schema(
        content_encoding = "base64",
        example = "iOeuSHZgOoO23GKoSMzLhJa+tCzfF1/ZfHL8ByUcDZMfa8QhAKzW1sX/FJj8Ipa5OY6IPVz5tsv3l4IBtAKOaha2y9XsI+0hJ++XacPYeXclHb063iHwxKqN/rQ9S9dV0E9ynvECwxJJv5CPJlVCLuoWoIa7k37BDCSpbwp+HnWiHEe4ni7KtgeXTDo0MEaLjQpeZ+EMqmmzd8EeTVlugfOd258x1P5smJSY6c6u1x3zuBB/Qbs+gguG8wXcaD0WLYCize96ZkML66LZKbe+pP6NQe9mireJi3wNFJT2NXgygJO9dtItlJzLImFAUbluCNdRnkrSQ2HB8us9O/WjEw=="
    )]
    pub temporal_pk: String,
}
