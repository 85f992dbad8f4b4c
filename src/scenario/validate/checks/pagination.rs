//! `[checks.pagination]`.

use super::Cx;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Kind, get};

impl Cx<'_> {
    pub(super) fn pagination(&mut self, e: &Entry) -> Option<PaginationSpec> {
        let t = self.table_of(e)?;
        let place = "[checks.pagination]";
        self.check_keys(
            t,
            &[
                "request",
                "style",
                "items",
                "id",
                "sort_key",
                "limit_param",
                "page_param",
                "offset_param",
                "first_page",
                "total",
                "page_size",
                "max_pages",
                "walkers",
                "writers",
                "insert_request",
                "delete_request",
            ],
            place,
        );
        let request = self.required_request(t, &e.value.span, place);
        let style = match get(t, "style") {
            Some(s) => {
                match self
                    .choice(
                        s,
                        &[
                            "auto",
                            "link",
                            "body_next",
                            "cursor",
                            "stripe",
                            "offset",
                            "page",
                        ],
                    )?
                    .as_str()
                {
                    "auto" => PageStyle::Auto,
                    "link" => PageStyle::Link,
                    "body_next" => PageStyle::BodyNext,
                    "cursor" => PageStyle::Cursor,
                    "stripe" => PageStyle::Stripe,
                    "offset" => PageStyle::Offset,
                    _ => PageStyle::Page,
                }
            }
            None => PageStyle::Auto,
        };
        let items = self.pointer_or(t, "items", "/data");
        let id = self.pointer_or(t, "id", "/id");
        let sort_key = get(t, "sort_key").and_then(|s| self.pointer(s));
        let limit_param = self.param_name(t, "limit_param", "limit");
        let page_param = self.param_name(t, "page_param", "page");
        let offset_param = self.param_name(t, "offset_param", "offset");
        let first_page = match get(t, "first_page") {
            None => Some(1),
            Some(x) => match x.value.kind {
                Kind::Integer(n @ (0 | 1)) => Some(n as u32),
                Kind::Integer(n) => {
                    self.err_hint(
                        x.value.span.clone(),
                        format!("`first_page` must be 0 or 1, found {n}"),
                        "the number of the first page: 1 (the default: `page=1` is the first page) or 0 (`page=0` is)",
                    );
                    None
                }
                _ => {
                    self.type_err(x, "an integer (0 or 1)");
                    None
                }
            },
        };
        let total = get(t, "total").and_then(|s| self.pointer(s));
        // The page size and the position cannot share a parameter.
        for key in ["page_param", "offset_param"] {
            let (Some(e), Some(limit), Some(name)) = (
                get(t, key),
                limit_param.as_deref(),
                if key == "page_param" {
                    page_param.as_deref()
                } else {
                    offset_param.as_deref()
                },
            ) else {
                continue;
            };
            if name == limit {
                self.err_hint(
                    e.value.span.clone(),
                    format!("`{key}` and `limit_param` both name the query parameter `{name}`"),
                    "limit_param sets the page size; name the parameter that carries the position",
                );
            }
        }
        let page_size = get(t, "page_size").map_or(Some(10), |x| self.u32_in(x, 1, u32::MAX));
        let max_pages = get(t, "max_pages").map_or(Some(1000), |x| self.u32_in(x, 1, u32::MAX));
        let walkers = get(t, "walkers").map_or(Some(2), |x| self.u32_in(x, 1, 1000));
        let writers = get(t, "writers").map_or(Some(2), |x| self.u32_in(x, 0, 1000));
        let insert_request = match get(t, "insert_request") {
            Some(r) => Some(self.check_request_ref(r)?),
            None => None,
        };
        let delete_request = match get(t, "delete_request") {
            Some(r) => Some(self.check_request_ref(r)?),
            None => None,
        };
        Some(PaginationSpec {
            request: request?,
            style,
            items,
            id,
            sort_key,
            limit_param: limit_param?,
            page_param: page_param?,
            offset_param: offset_param?,
            first_page: first_page?,
            total,
            page_size: page_size?,
            max_pages: max_pages?,
            walkers: walkers?,
            writers: writers?,
            insert_request,
            delete_request,
        })
    }
}

impl Cx<'_> {
    /// A query parameter name (`limit_param`, `page_param`, `offset_param`): a non-empty string
    /// without `=`, `&`, `#` or whitespace.
    fn param_name(&mut self, t: &[Entry], key: &str, default: &str) -> Option<String> {
        // A wrong type is reported by `string_or` (which then falls back to the default).
        let s = self.string_or(t, key, default);
        let Some(e) = get(t, key) else {
            return Some(s);
        };
        if s.is_empty() || s.contains(['=', '&', '#', '?']) || s.contains(char::is_whitespace) {
            self.err_hint(
                e.value.span.clone(),
                format!("invalid query parameter name {s:?} for `{key}`"),
                format!(
                    "the name of the query parameter as the API spells it, e.g. `{key} = \"{default}\"`"
                ),
            );
            return None;
        }
        Some(s)
    }
}
