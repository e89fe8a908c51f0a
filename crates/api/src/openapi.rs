//! The OpenAPI 3.1 document, generated from the handlers' annotations, the request types and the answer
//! types ([`crate::answers`]). What every operation shares is added here once ([`Shared`]): the bearer
//! scheme, which key it takes, the `Idempotency-Key` of POSTs, and the error answers the pipeline gives
//! (401, 403; for POSTs 400, 409, 413, 415, 422 and 503), all with the error body.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        Content, HttpMethod, ObjectBuilder, OpenApi as Document, Ref, RefOr, Required, Response,
        Schema, Type,
        path::{Operation, ParameterBuilder, ParameterIn},
        schema::SchemaType,
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
    },
};

use crate::{answers, fields, routes};

/// The name of the security scheme.
const BEARER: &str = "apiKey";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "EmToken platform API",
        description = "Users, wallets, movements, holds, transfers and cash-outs of the e-money platform, over the EmToken chain index. Authenticate with `Authorization: Bearer <api key>`: a client's key for `/api/v1/public/…` and `/api/v2/public/…`, the bank's key for `/api/v1/bank/…`, the admin's key for `/api/v1/admin/…` (another kind of key is a 403). Every POST takes an optional `Idempotency-Key`: a retry with the same key and body gets the first answer and sends nothing again. Amounts are decimal strings. Errors: `{\"errors\":[{\"status\":…,\"detail\":…}]}`; a field's problem starts with its name. This document: `/api/v1/openapi.json`; an interactive viewer: `/docs`."
    ),
    paths(
        routes::create_natural_user,
        routes::create_juridical_user,
        routes::list_users,
        routes::get_user,
        routes::request_otp,
        routes::validate_otp,
        routes::change_mobile_phone,
        routes::unsubscribe_user,
        routes::list_wallets,
        routes::get_wallet,
        routes::create_wallet,
        routes::unsubscribe_wallet,
        routes::create_iban,
        routes::card_cash_in,
        routes::temporal_pk,
        routes::list_movements,
        routes::get_movement,
        routes::list_holds,
        routes::get_hold,
        routes::create_hold,
        routes::execute_hold,
        routes::execute_hold_and_keep_open,
        routes::release_hold,
        routes::renew_hold,
        routes::transfer,
        routes::cash_out,
        routes::create_currency,
        routes::list_currencies,
        routes::get_currency,
        routes::create_issuer,
        routes::list_issuers,
        routes::get_issuer,
        routes::create_bank,
        routes::list_banks,
        routes::get_bank,
        routes::create_commission,
        routes::add_commission_version,
        routes::list_commissions,
        routes::get_commission,
        routes::calculate_transfer,
        routes::calculate_cash_out,
        routes::calculate_card_cash_in,
        routes::calculate_top_up,
        routes::calculate_hold_execution,
        routes::add_favourite,
        routes::list_favourites,
        routes::get_favourite,
        routes::delete_favourite,
        routes::cash_out_to_favourite,
        routes::bank_audit_log,
        routes::add_webhook,
        routes::list_webhooks,
        routes::get_webhook,
        routes::delete_webhook,
        routes::list_deliveries,
        routes::resend_delivery,
        routes::create_scheduled,
        routes::list_scheduled,
        routes::get_scheduled,
        routes::delete_scheduled,
        routes::list_executions,
        routes::bank_cash_in,
        routes::bank_list_cash_outs,
        routes::bank_execute_cash_out,
        routes::bank_accept_cash_out,
        routes::bank_reject_cash_out,
        routes::bank_decline_cash_out,
        routes::create_top_up,
        routes::get_top_up,
        routes::bank_list_top_ups,
        routes::bank_get_top_up,
        routes::bank_accept_top_up,
        routes::bank_decline_top_up,
        routes::bank_set_kyc_level,
        routes::bank_set_user_kyc,
        routes::bank_user_kyc_history,
        routes::bank_list_holds,
        routes::bank_commission_report,
        routes::bank_list_system_accounts,
        routes::bank_system_account_movements,
    ),
    components(schemas(answers::Errors)),
    modifiers(&Shared),
    tags(
        (name = "users", description = "A client's users: the people and companies it onboards (client key)"),
        (name = "wallets", description = "A client's users' wallets (client key)"),
        (name = "cards", description = "Card data: the temporal key a card's fields are encrypted with (client key)"),
        (name = "movements", description = "A wallet's movements (client key)"),
        (name = "holds", description = "Holds a wallet pays or is paid by; the platform is the notary (client key)"),
        (name = "transfers", description = "Transfers between wallets (client key)"),
        (name = "cash-outs", description = "Payouts to bank accounts (client key)"),
        (name = "top-ups", description = "Top-up requests: bank transfers to a wallet, credited when the bank side accepts them (client key)"),
        (name = "favourites", description = "Favourite external accounts of a wallet, and cash-outs to them (client key)"),
        (name = "webhooks", description = "Webhook endpoints of the client: movement, hold and wallet status changes POSTed to it, signed (client key)"),
        (name = "scheduled-operations", description = "Scheduled and recurrent payments of a wallet, and their executions (client key)"),
        (name = "bank", description = "The bank side: cash-ins, payouts, KYC levels, holds to decide, the platform's accounts (bank key)"),
        (name = "admin", description = "The administrator's side: currencies, their issuers and tokens, the bank catalogue, commission profiles (admin key)"),
        (name = "commissions", description = "What an operation of an amount charges now (client key)"),
    )
)]
struct ApiDoc;

/// What every operation shares; see the module's documentation.
struct Shared;

impl Modify for Shared {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("emt_ + 64 hex digits")
                    .description(Some(
                        "An API key: a client's (`emtoken api-key create --client NAME`) for /api/v1/public, the bank's (`--bank`) for /api/v1/bank, the admin's (`--admin`) for /api/v1/admin.",
                    ))
                    .build(),
            ),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let side = if path.starts_with("/api/v1/bank/") {
                Side::Bank
            } else if path.starts_with("/api/v1/admin/") {
                Side::Admin
            } else {
                Side::Client
            };
            for (method, operation) in [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Delete, item.delete.as_mut()),
                (HttpMethod::Patch, item.patch.as_mut()),
            ] {
                if let Some(operation) = operation {
                    let owned = if path.ends_with("/temporalpk") {
                        "the key serves only this client"
                    } else if path.starts_with("/api/v2/public/users/") {
                        "the user is created as one of the client's"
                    } else if path.starts_with("/api/v1/public/users") {
                        "the user must be one of the client's (403)"
                    } else {
                        "the wallet must belong to one of the client's users (403)"
                    };
                    let post = matches!(method, HttpMethod::Post | HttpMethod::Patch);
                    let keyed = method == HttpMethod::Post && !unkeyed(path);
                    shared(operation, side, owned, post, keyed);
                }
            }
        }
    }
}

/// The POSTs that take no `Idempotency-Key`: a retry does what the first did (one IBAN, one
/// verification, a new code or temporal key within its limits, a delivery queued again), nothing is
/// written (a quote), or a second one is a 409 naming the first (a webhook's url).
const UNKEYED: [&str; 7] = [
    "/calculate",
    "/request-otp",
    "/validate-otp",
    "/create-iban",
    "/temporalpk",
    "/webhooks",
    "/resend",
];

/// Whether the POST at `path` takes no `Idempotency-Key`: those above, and the admin's (records unique by
/// a field: a second creation of the same is a 409 naming the first).
fn unkeyed(path: &str) -> bool {
    path.starts_with("/api/v1/admin/") || UNKEYED.iter().any(|end| path.ends_with(end))
}

/// Whose key an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// A client's (`/api/v1/public`, `/api/v2/public`).
    Client,
    /// The bank's (`/api/v1/bank`).
    Bank,
    /// The admin's (`/api/v1/admin`).
    Admin,
}

/// Adds the key, the shared error answers and (POSTs) the `Idempotency-Key` to one operation: the
/// side's key, `owned` saying what must be a client's.
fn shared(operation: &mut Operation, side: Side, owned: &str, post: bool, keyed: bool) {
    operation.security = Some(vec![SecurityRequirement::new::<_, _, &str>(BEARER, [])]);
    let key = match side {
        Side::Bank => "Key: the bank's (another kind of key is a 403).".to_owned(),
        Side::Admin => "Key: the admin's (another kind of key is a 403).".to_owned(),
        Side::Client => format!("Key: a client's (another kind of key is a 403); {owned}."),
    };
    operation.description = Some(match operation.description.take() {
        Some(text) => format!("{text}\n\n{key}"),
        None => key,
    });
    let mut errors = vec![
        ("401", "no, malformed, unknown or revoked API key"),
        (
            "429",
            "this API key sent more than its limit (`serve --rate-limit`): nothing was done; try again after Retry-After seconds",
        ),
        (
            "403",
            "another kind of key, or another client's wallet or user",
        ),
    ];
    if post {
        errors.extend([
            ("400", "a field is wrong (the detail names it), malformed JSON or a bad Idempotency-Key"),
            ("409", "the state does not allow it, or the first request with this Idempotency-Key is still being handled (Retry-After)"),
            ("413", "the body is larger than 2 MB"),
            ("415", "a body that is not application/json"),
            ("503", "the chain node cannot be reached or did not confirm it took the transaction: nothing was sent, or send it again with the same Idempotency-Key (Retry-After)"),
        ]);
    }
    if keyed {
        errors.push(("422", "the Idempotency-Key was used for another request"));
        let idempotency = ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "1 to 255 visible ASCII characters; a retry with the same key and body gets the first answer.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .min_length(Some(1))
                    .max_length(Some(255))
                    .pattern(Some("^[!-~]+$")),
            ))
            .build();
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(idempotency);
    }
    let responses = &mut operation.responses.responses;
    for (status, what) in errors {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(Response::new(what)));
    }
    // Every error answer has the error body.
    for (status, response) in responses.iter_mut() {
        if let (false, RefOr::T(response)) = (status.starts_with('2'), response)
            && response.content.is_empty()
        {
            response.content.insert(
                "application/json".to_owned(),
                Content::new(Some(Ref::from_schema_name("Errors"))),
            );
        }
    }
}

/// The document as JSON, for a token of `decimals` (the amounts requests take).
pub(crate) fn document(decimals: u8) -> serde_json::Value {
    let mut doc = ApiDoc::openapi();
    if let Some(RefOr::T(Schema::Object(amount))) = doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("RequestAmount"))
    {
        amount.pattern = Some(fields::amount_pattern(decimals));
    }
    serde_json::to_value(doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document(2);
        let mut found = vec![];
        refs(&doc, &mut found);
        assert!(found.len() > 50, "{}", found.len());
        for r in found {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{r} does not resolve"
            );
        }
    }

    #[test]
    fn every_operation_has_the_key_a_typed_answer_and_its_errors() {
        let doc = document(2);
        let scheme = &doc["components"]["securitySchemes"][BEARER];
        assert_eq!(scheme["scheme"], "bearer", "{scheme}");
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                let what = format!("{method} {path}");
                assert_eq!(op["security"][0][BEARER], serde_json::json!([]), "{what}");
                let description = op["description"].as_str().unwrap_or_default();
                assert!(description.contains("Key: "), "{what}: {description}");
                let responses = op["responses"].as_object().unwrap();
                for status in ["401", "403"] {
                    assert!(responses.contains_key(status), "{what} lacks {status}");
                }
                let unkeyed = unkeyed(path);
                let bodiless = ["/request-otp", "/create-iban", "/temporalpk", "/resend"]
                    .iter()
                    .any(|end| path.ends_with(end));
                if method == "post" || method == "patch" {
                    for status in ["400", "409", "413", "415", "503"] {
                        assert!(responses.contains_key(status), "{what} lacks {status}");
                    }
                    assert_eq!(op["requestBody"].is_object(), !bodiless, "{what}'s body");
                    let keyed = op["parameters"]
                        .as_array()
                        .is_some_and(|p| p.iter().any(|p| p["name"] == "Idempotency-Key"));
                    // Retrying a POST replays its first answer, except where a retry does what the
                    // first did (the same IBAN, one verification, a new code within its limits).
                    assert_eq!(
                        keyed,
                        method == "post" && !unkeyed,
                        "{what}'s Idempotency-Key"
                    );
                    assert_eq!(responses.contains_key("422"), keyed, "{what}'s 422");
                }
                for (status, response) in responses {
                    let schema = &response["content"]["application/json"]["schema"];
                    assert!(schema.is_object(), "{what} {status} has no body schema");
                    if !status.starts_with('2') {
                        assert_eq!(schema["$ref"], "#/components/schemas/Errors", "{what}");
                    }
                }
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if p["in"] == "path" && p["name"] != "address" {
                        assert_eq!(p["schema"]["format"], "uuid", "{what} {}", p["name"]);
                    }
                }
            }
        }
        assert_eq!(operations, 80);
    }

    #[test]
    fn amounts_follow_the_tokens_decimals() {
        let doc = document(2);
        let pattern = doc["components"]["schemas"]["RequestAmount"]["pattern"]
            .as_str()
            .unwrap();
        assert_eq!(pattern, fields::amount_pattern(2));
        let statuses = &doc["components"]["schemas"]["MovementStatus"]["enum"];
        assert_eq!(
            statuses,
            &serde_json::json!(["PENDING", "SUCCESS", "ERROR"])
        );
    }
}
