//! The `[checks]` table: `fail_on`, `passive` and one `[checks.<family>]` table per check
//! family, each parsed by the file of that name; plus the helpers the family parsers share.

mod error_format;
mod idempotency;
mod pagination;
mod rate_limit;

use std::ops::Range;

use super::Cx;
use super::templates::TplScope;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, get};

/// `[checks]` settings that are not a check family.
const SETTINGS: &[&str] = &["fail_on", "passive"];

/// The check families: one `[checks.<family>]` table each, parsed by `checks/<family>.rs`
/// and dispatched in [`Cx::checks`] below. The one list of family keys: `[checks]` accepts
/// exactly these (after [`SETTINGS`], in this order in "unknown key" hints). Adding a family
/// is its parser file, an entry here and its line in the dispatch. (The scenario module sits
/// below the checks, so it cannot read `checks::FAMILIES`; a test holds the two lists equal.)
pub const FAMILY_SECTIONS: &[&str] = &["idempotency", "rate_limit", "pagination", "error_format"];

impl Cx<'_> {
    pub(super) fn checks(&mut self, e: &Entry, requests: &[RequestSpec]) -> Option<ChecksSpec> {
        let t = self.table_of(e)?;
        let known: Vec<&str> = SETTINGS.iter().chain(FAMILY_SECTIONS).copied().collect();
        self.check_keys(t, &known, "[checks]");
        let before = self.diags.len();
        let fail_on_warn = get(t, "fail_on")
            .and_then(|f| self.choice(f, &["fail", "warn"]))
            .is_some_and(|v| v == "warn");
        let passive = get(t, "passive")
            .and_then(|p| self.bool_of(p))
            .unwrap_or(true);
        let idempotency = get(t, "idempotency").and_then(|i| self.idempotency(i, requests));
        let rate_limit = get(t, "rate_limit").and_then(|r| self.rate_limit(r));
        let pagination = get(t, "pagination").and_then(|p| self.pagination(p));
        let error_format = get(t, "error_format").and_then(|x| self.error_format(x));
        if self.diags.len() != before {
            return None;
        }
        Some(ChecksSpec {
            fail_on_warn,
            passive,
            idempotency,
            rate_limit,
            pagination,
            error_format,
        })
    }

    fn required_request(
        &mut self,
        t: &[Entry],
        span: &Range<usize>,
        place: &str,
    ) -> Option<String> {
        match get(t, "request") {
            Some(r) => self.request_ref(r),
            None => {
                self.missing(
                    span.clone(),
                    "request",
                    place,
                    "name one of the [[requests]], e.g. `request = \"create_order\"`",
                );
                None
            }
        }
    }

    fn string_or(&mut self, t: &[Entry], key: &str, default: &str) -> String {
        get(t, key)
            .and_then(|e| self.str_of(e))
            .unwrap_or_else(|| default.to_string())
    }

    fn pointer_or(&mut self, t: &[Entry], key: &str, default: &str) -> String {
        get(t, key)
            .and_then(|e| self.pointer(e))
            .unwrap_or_else(|| default.to_string())
    }

    /// A second client's credential, `{ header = "X-Api-Key", value = "${secrets.other}" }`:
    /// a header name and a request-scope value template (`partition` in [checks.rate_limit],
    /// `second_credential` in [checks.idempotency]).
    fn credential(&mut self, e: &Entry, place: &str) -> Option<(String, Template)> {
        let pt = self.table_of(e)?;
        self.check_keys(pt, &["header", "value"], place);
        let header = match get(pt, "header") {
            Some(h) => self
                .str_of(h)
                .filter(|s| self.header_name(s, h.value.span.clone())),
            None => {
                self.missing(
                    e.value.span.clone(),
                    "header",
                    place,
                    "e.g. `header = \"X-Api-Key\"`",
                );
                None
            }
        };
        let value = match get(pt, "value") {
            Some(v) => self.template_of(v, TplScope::Request),
            None => {
                self.missing(
                    e.value.span.clone(),
                    "value",
                    place,
                    "e.g. `value = \"${env.SECOND_API_KEY}\"`",
                );
                None
            }
        };
        Some((header?, value?))
    }
}

#[cfg(test)]
mod tests {
    use super::FAMILY_SECTIONS;
    use crate::scenario::{Format, load_str};

    /// Every key of FAMILY_SECTIONS reaches its parser: only the family's parser reports an
    /// unknown key with the family's own place.
    #[test]
    fn every_family_section_is_dispatched() {
        for family in FAMILY_SECTIONS {
            let src = format!(
                "target = \"reference\"\n[[requests]]\nname = \"a\"\npath = \"/a\"\n\
                 [load]\nrate = 1\nduration = \"1s\"\n[checks.{family}]\nbogus_key = 1\n"
            );
            let d = load_str(&src, "t.toml", Format::Toml, &|_| None).unwrap_err();
            let want = format!("unknown key `bogus_key` in [checks.{family}]");
            assert!(d.items.iter().any(|i| i.message == want), "{family}:\n{d}");
        }
    }
}
