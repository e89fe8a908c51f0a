//! The temporal key of card data (docs/api.md, Card data): `POST /api/v1/public/wallets/temporalpk`.

use axum::{Json, extract::State};

use crate::{
    ApiState, Problem,
    answers::{Link, SelfLink, TemporalPk},
    auth::ClientCaller,
    cards::ClientRsaKey,
};

/// The path, which is also the answer's `self`.
const PATH: &str = "/api/v1/public/wallets/temporalpk";

/// `POST /api/v1/public/wallets/temporalpk`: a new temporal AES-256 key for the client's card data,
/// sealed with the client's RSA public key. Each key serves one card cash-in of this client, within 5
/// minutes; ask for a new one for every cash-in.
#[utoipa::path(post, path = "/api/v1/public/wallets/temporalpk", tag = "cards",
    responses((status = 200, description = "the key, sealed with the client's RSA public key", body = TemporalPk),
              (status = 409, description = "the client has no RSA public key registered (emtoken api-key rsa-key)", body = crate::answers::Errors)))]
pub(crate) async fn temporal_pk(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
) -> Result<Json<TemporalPk>, Problem> {
    let row = state.store.client_rsa_key(client.id).await?.ok_or_else(|| {
        Problem::conflict(format!(
            "client {} has no RSA public key for card data: the platform registers it with 'emtoken api-key rsa-key --client {} --rsa-public-key FILE.pem' (an RSA key of 2048 bits or more, PEM)",
            client.name, client.name
        ))
    })?;
    let key = ClientRsaKey::from_der(&row.spki_der).map_err(Problem::internal)?;
    let now = state.onboarding.clock.now();
    let temporal_pk = state
        .temporal_keys
        .issue(client.id, &key, now)
        .map_err(Problem::internal)?;
    Ok(Json(TemporalPk {
        links: SelfLink {
            this: Link::new(PATH),
        },
        temporal_pk,
    }))
}
