//! Paged lists as in the platform's guide: `page` (from 0), `size` (default 20, at most 2000),
//! `sort=field,asc|desc`, HAL `_links` (self, first, last, next, prev), `_embedded` and `page`
//! metadata.

use std::collections::BTreeMap;

use emtoken_store::api::{Paging, Sort};

use crate::{
    Problem,
    answers::{Link, Page, PageInfo, PageLinks},
};

/// Default page size.
pub(crate) const DEFAULT_SIZE: i64 = 20;
/// Largest page size.
pub(crate) const MAX_SIZE: i64 = 2000;

/// The query string of a list, checked: paging, sorting, and the list's own filters.
#[derive(Debug, Clone)]
pub(crate) struct ListQuery {
    /// Page and size.
    pub(crate) paging: Paging,
    /// Sort field and direction.
    pub(crate) sort: Sort,
    /// The filters given, by name (already checked to be known).
    pub(crate) filters: BTreeMap<String, String>,
}

impl ListQuery {
    /// Parses `params`, allowing `sort_fields` (the first is the default, ascending) and `filters`.
    pub(crate) fn parse(
        params: Vec<(String, String)>,
        sort_fields: &[&str],
        filters: &[&str],
    ) -> Result<Self, Problem> {
        let mut page = 0i64;
        let mut size = DEFAULT_SIZE;
        let mut sort = Sort {
            field: sort_fields[0].to_owned(),
            desc: false,
        };
        let mut given = BTreeMap::new();
        for (name, value) in params {
            match name.as_str() {
                "page" => {
                    page = value
                        .parse::<i64>()
                        .ok()
                        .filter(|p| (0..=1_000_000_000).contains(p))
                        .ok_or_else(|| {
                            Problem::bad(
                                "page",
                                format!("must be a whole number from 0, got '{value}'"),
                            )
                        })?;
                }
                "size" => {
                    size = value
                        .parse::<i64>()
                        .ok()
                        .filter(|s| (1..=MAX_SIZE).contains(s))
                        .ok_or_else(|| {
                            Problem::bad(
                                "size",
                                format!(
                                    "must be a whole number from 1 to {MAX_SIZE}, got '{value}'"
                                ),
                            )
                        })?;
                }
                "sort" => {
                    let (field, dir) = value.split_once(',').unwrap_or((value.as_str(), "asc"));
                    if !sort_fields.contains(&field) {
                        return Err(Problem::bad(
                            "sort",
                            format!(
                                "cannot sort by '{field}': use one of {}",
                                sort_fields.join(", ")
                            ),
                        ));
                    }
                    let desc = match dir.to_ascii_lowercase().as_str() {
                        "asc" => false,
                        "desc" => true,
                        _ => {
                            return Err(Problem::bad(
                                "sort",
                                format!("direction must be asc or desc, got '{dir}'"),
                            ));
                        }
                    };
                    sort = Sort {
                        field: field.to_owned(),
                        desc,
                    };
                }
                other if filters.contains(&other) => {
                    given.insert(name, value);
                }
                other => {
                    let mut known = vec!["page", "size", "sort"];
                    known.extend_from_slice(filters);
                    return Err(Problem::bad(
                        other,
                        format!(
                            "unknown query parameter: this list takes {}",
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(Self {
            paging: Paging { page, size },
            sort,
            filters: given,
        })
    }

    fn href(&self, path: &str, page: i64) -> String {
        let mut href = String::from(path);
        let mut sep = '?';
        for (name, value) in &self.filters {
            href.push(sep);
            href.push_str(&encode(name));
            href.push('=');
            href.push_str(&encode(value));
            sep = '&';
        }
        let dir = if self.sort.desc { "desc" } else { "asc" };
        href.push_str(&format!(
            "{sep}page={page}&size={}&sort={},{dir}",
            self.paging.size, self.sort.field
        ));
        href
    }

    /// The HAL page of `embedded` (the items under the list's name), `total` items in all.
    pub(crate) fn page<T>(&self, path: &str, embedded: T, total: i64) -> Page<T> {
        let size = self.paging.size;
        let pages = (total + size - 1) / size;
        let number = self.paging.page;
        let last = (pages - 1).max(0);
        let link = |page: i64| Link::new(self.href(path, page));
        Page {
            links: PageLinks {
                this: link(number),
                first: link(0),
                last: link(last),
                next: (number < last).then(|| link(number + 1)),
                prev: (number > 0).then(|| link((number - 1).min(last))),
            },
            embedded,
            page: PageInfo {
                size,
                total_elements: total,
                total_pages: pages,
                number,
            },
        }
    }
}

/// Percent-encodes a query value (unreserved characters kept).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn page(l: &ListQuery, path: &str, items: Vec<Value>, total: i64) -> Value {
        serde_json::to_value(l.page(path, json!({ "things": items }), total)).unwrap()
    }

    fn q(params: &[(&str, &str)]) -> Result<ListQuery, Problem> {
        ListQuery::parse(
            params
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            &["createdAt", "amount"],
            &["status"],
        )
    }

    #[test]
    fn defaults_and_bounds() {
        let d = q(&[]).unwrap();
        assert_eq!(d.paging, Paging { page: 0, size: 20 });
        assert_eq!(
            d.sort,
            Sort {
                field: "createdAt".into(),
                desc: false
            }
        );
        assert!(
            q(&[("size", "0")])
                .unwrap_err()
                .detail
                .contains("from 1 to 2000")
        );
        assert!(q(&[("size", "2001")]).is_err());
        assert_eq!(q(&[("size", "2000")]).unwrap().paging.size, 2000);
        assert!(q(&[("page", "-1")]).is_err());
        assert!(
            q(&[("sort", "balance,asc")])
                .unwrap_err()
                .detail
                .contains("cannot sort by 'balance'")
        );
        assert!(q(&[("sort", "amount,up")]).is_err());
        assert!(
            q(&[("colour", "red")])
                .unwrap_err()
                .detail
                .starts_with("colour: unknown")
        );
        assert!(q(&[("sort", "amount,desc")]).unwrap().sort.desc);
    }

    #[test]
    fn links_of_first_middle_last_and_empty() {
        let l = q(&[("page", "1"), ("size", "2"), ("status", "SUCCESS")]).unwrap();
        let p = page(&l, "/x", vec![json!(1), json!(2)], 5);
        assert_eq!(
            p["page"],
            json!({"size": 2, "totalElements": 5, "totalPages": 3, "number": 1})
        );
        assert_eq!(
            p["_links"]["next"]["href"],
            "/x?status=SUCCESS&page=2&size=2&sort=createdAt,asc"
        );
        assert_eq!(
            p["_links"]["prev"]["href"],
            "/x?status=SUCCESS&page=0&size=2&sort=createdAt,asc"
        );
        assert_eq!(
            p["_links"]["last"]["href"],
            "/x?status=SUCCESS&page=2&size=2&sort=createdAt,asc"
        );
        let last = page(
            &q(&[("page", "2"), ("size", "2")]).unwrap(),
            "/x",
            vec![],
            5,
        );
        assert!(last["_links"].get("next").is_none());
        let empty = page(&q(&[]).unwrap(), "/x", vec![], 0);
        assert_eq!(empty["page"]["totalPages"], 0);
        assert_eq!(
            empty["_links"]["last"]["href"],
            "/x?page=0&size=20&sort=createdAt,asc"
        );
        assert!(empty["_links"].get("prev").is_none());
    }
}
