//! Links and paged lists: HAL `_links` (`{"href": …}`), `_embedded.<name>` and `page` metadata.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Hold, Movement, PendingCashOut, SystemAccount, User, Wallet};

/// A link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Link {
    /// A path of this API.
    pub href: String,
}

impl Link {
    /// A link to `href`.
    pub fn new(href: impl Into<String>) -> Self {
        Self { href: href.into() }
    }
}

/// Links with only `self`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SelfLink {
    /// This record.
    #[serde(rename = "self")]
    pub this: Link,
}

/// The links of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PageLinks {
    /// This page.
    #[serde(rename = "self")]
    pub this: Link,
    /// Page 0.
    pub first: Link,
    /// The last page (page 0 of an empty list).
    pub last: Link,
    /// The next page, unless this is the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
    /// The previous page, unless this is the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<Link>,
}

/// Where a page is in its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// Items per page.
    #[schema(minimum = 1, maximum = 2000)]
    pub size: i64,
    /// Items in the whole list.
    #[schema(minimum = 0)]
    pub total_elements: i64,
    /// Pages in the whole list.
    #[schema(minimum = 0)]
    pub total_pages: i64,
    /// This page's number, from 0.
    #[schema(minimum = 0)]
    pub number: i64,
}

/// A page of a list: `_embedded` holds the items under the list's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// This, first, last, next and previous pages.
    #[serde(rename = "_links")]
    pub links: PageLinks,
    /// The items.
    #[serde(rename = "_embedded")]
    pub embedded: T,
    /// Where this page is.
    pub page: PageInfo,
}

/// A list that is not paged (all of it at once), with a link to itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HrefPage<T> {
    /// The list.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The items.
    #[serde(rename = "_embedded")]
    pub embedded: T,
}

/// Wallets, under `wallets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WalletList {
    /// The wallets.
    pub wallets: Vec<Wallet>,
}

/// Users, under `users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    /// The users.
    pub users: Vec<User>,
}

/// Movements, under `movements`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MovementList {
    /// The movements.
    pub movements: Vec<Movement>,
}

/// Holds, under `holds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HoldList {
    /// The holds.
    pub holds: Vec<Hold>,
}

/// Payouts waiting for the bank, under `cashOuts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CashOutList {
    /// The payouts.
    pub cash_outs: Vec<PendingCashOut>,
}

/// The platform's own accounts, under `systemAccounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemAccountList {
    /// The accounts.
    pub system_accounts: Vec<SystemAccount>,
}
