//! `[checks.pagination]`.

use super::Cx;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, get};

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
        let limit_param = self.string_or(t, "limit_param", "limit");
        let page_size = get(t, "page_size").map_or(Some(10), |x| self.u32_in(x, 1, u32::MAX));
        let max_pages = get(t, "max_pages").map_or(Some(1000), |x| self.u32_in(x, 1, u32::MAX));
        let walkers = get(t, "walkers").map_or(Some(2), |x| self.u32_in(x, 1, 1000));
        let writers = get(t, "writers").map_or(Some(2), |x| self.u32_in(x, 0, 1000));
        let insert_request = match get(t, "insert_request") {
            Some(r) => Some(self.request_ref(r)?),
            None => None,
        };
        let delete_request = match get(t, "delete_request") {
            Some(r) => Some(self.request_ref(r)?),
            None => None,
        };
        Some(PaginationSpec {
            request: request?,
            style,
            items,
            id,
            sort_key,
            limit_param,
            page_size: page_size?,
            max_pages: max_pages?,
            walkers: walkers?,
            writers: writers?,
            insert_request,
            delete_request,
        })
    }
}
