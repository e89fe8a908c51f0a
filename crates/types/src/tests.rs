use crate::*;

/// Every name parses back to its variant and serializes as itself: the stored, shown and parsed forms
/// are one.
fn round_trips<T>(all: &[T])
where
    T: Copy
        + PartialEq
        + std::fmt::Debug
        + std::fmt::Display
        + std::str::FromStr
        + serde::Serialize,
    T: serde::de::DeserializeOwned,
    <T as std::str::FromStr>::Err: std::fmt::Debug,
{
    let mut names = std::collections::HashSet::new();
    for &value in all {
        let name = value.to_string();
        assert!(names.insert(name.clone()), "{name} twice");
        assert_eq!(name.parse::<T>().unwrap(), value);
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            format!("\"{name}\"")
        );
        assert_eq!(
            serde_json::from_str::<T>(&format!("\"{name}\"")).unwrap(),
            value
        );
    }
}

#[test]
fn names_round_trip() {
    round_trips(MovementType::ALL);
    round_trips(MovementStatus::ALL);
    round_trips(Outcome::ALL);
    round_trips(RecordKind::ALL);
    round_trips(OrderKind::ALL);
    round_trips(HoldState::ALL);
    round_trips(OrderState::ALL);
    round_trips(WalletStatus::ALL);
    round_trips(UserKind::ALL);
    round_trips(UserStatus::ALL);
    round_trips(DocumentType::ALL);
    round_trips(RequestKind::ALL);
    round_trips(RequestState::ALL);
    round_trips(ClientRole::ALL);
}

#[test]
fn the_stored_names_are_the_schemas() {
    // The CHECK constraints of the movements table (migration 0019) and the wallets table (0001).
    let types: Vec<_> = MovementType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "CARD_CASHIN",
            "BANK_ACCOUNT_CASHIN",
            "BANK_ACCOUNT_CASHOUT",
            "TRANSFER_IN",
            "TRANSFER_OUT",
            "LOCK",
            "RELEASE",
            "SUSPENSE_IN",
            "SUSPENSE_OUT",
            "COMMISSION",
            "COMMISSION_IN",
            "WIPE"
        ]
    );
    let statuses: Vec<_> = WalletStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(statuses, ["READY", "PENDING", "UNSUBSCRIBED"]);
    // The CHECK constraints of the users table (migration 0011).
    let users: Vec<_> = UserStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(users, ["CREATED", "VERIFIED", "ACTIVATED", "UNSUBSCRIBED"]);
    let kinds: Vec<_> = UserKind::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(kinds, ["NATURAL", "JURIDICAL"]);
    let documents: Vec<_> = DocumentType::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        documents,
        ["DNI", "NIE", "CIF", "PASSPORT", "ID_CARD", "TAX_ID"]
    );
}

#[test]
fn unknown_names_and_numbers_are_refused_with_what_is_known() {
    let error = "TRANSFER".parse::<MovementType>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "'TRANSFER' is not a MovementType (one of: CARD_CASHIN, BANK_ACCOUNT_CASHIN, \
         BANK_ACCOUNT_CASHOUT, TRANSFER_IN, TRANSFER_OUT, LOCK, RELEASE, SUSPENSE_IN, SUSPENSE_OUT, COMMISSION, COMMISSION_IN, WIPE)"
    );
    assert!(
        "pending".parse::<MovementStatus>().is_err(),
        "names are exact"
    );
    assert_eq!(
        HoldStatus::try_from(7).unwrap_err().to_string(),
        "HoldStatus 7 is not known to this version of EmToken"
    );
    assert!(PayoutStatus::try_from(7).is_err());
    assert!(OrderStatus::try_from(6).is_err());
    assert!(MintKind::try_from(2).is_err());
    assert_eq!(FeeKind::try_from(3).unwrap(), FeeKind::Payout);
    assert_eq!(FeeKind::try_from(4).unwrap(), FeeKind::Fund);
    assert!(FeeKind::try_from(5).is_err());
    assert!("nowhere".parse::<Role>().is_err());
}

#[test]
fn contract_numbers_map_to_record_states() {
    assert_eq!(HoldState::from_chain(HoldStatus::Nonexistent), None);
    for (number, state) in [
        (1, HoldState::Created),
        (2, HoldState::ExecutedAndKeptOpen),
        (3, HoldState::Executed),
        (4, HoldState::ReleasedByNotary),
        (5, HoldState::ReleasedByPayee),
        (6, HoldState::ReleasedOnExpiration),
    ] {
        assert_eq!(
            HoldState::from_chain(HoldStatus::try_from(number).unwrap()),
            Some(state)
        );
    }
    // Payouts number their states differently from transfers and fund orders (suspense is 3).
    let transfer = |n| OrderState::from_chain(OrderKind::Transfer, n).unwrap();
    let payout = |n| OrderState::from_chain(OrderKind::Payout, n).unwrap();
    assert_eq!(transfer(3), Some(OrderState::Executed));
    assert_eq!(payout(3), Some(OrderState::FundsInSuspense));
    assert_eq!(payout(4), Some(OrderState::Executed));
    assert_eq!(transfer(4), Some(OrderState::Rejected));
    assert_eq!(payout(6), Some(OrderState::Cancelled));
    assert_eq!(transfer(0), None);
    assert!(OrderState::from_chain(OrderKind::Fund, 6).is_err());
    assert_eq!(OrderState::Executed.outcome(), Some(Outcome::Success));
    assert_eq!(OrderState::Cancelled.outcome(), Some(Outcome::Error));
    assert_eq!(OrderState::FundsInSuspense.outcome(), None);
    assert!(HoldState::Renewed.is_open() && !HoldState::Executed.is_open());
    assert_eq!(MovementType::from(MintKind::Card), MovementType::CardCashin);
    assert_eq!(RecordKind::from(OrderKind::Payout), RecordKind::Payout);
    for role in [
        "out",
        "in",
        "cashin",
        "cashout",
        "lock",
        "release",
        "suspense_in",
        "suspense_out",
        "commission",
        "commission_in",
        "wipe",
    ] {
        assert_eq!(role.parse::<Role>().unwrap().as_str(), role);
    }
}

#[cfg(feature = "openapi")]
#[test]
fn schemas_list_the_stored_names() {
    use utoipa::{PartialSchema, ToSchema};
    let schema = serde_json::to_value(MovementStatus::schema()).unwrap();
    assert_eq!(schema["type"], "string");
    assert_eq!(
        schema["enum"],
        serde_json::json!(["PENDING", "SUCCESS", "ERROR"])
    );
    assert_eq!(HoldState::name(), "HoldState");
}
