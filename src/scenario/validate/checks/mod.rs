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
use crate::scenario::tree::{Entry, Kind, get};

/// `[checks]` settings that are not a check family.
const SETTINGS: &[&str] = &["fail_on", "passive", "skip"];

/// The check families: one `[checks.<family>]` table each, parsed by `checks/<family>.rs`
/// and dispatched in [`Cx::checks`] below. The one list of family keys: `[checks]` accepts
/// exactly these (after [`SETTINGS`], in this order in "unknown key" hints). Adding a family
/// is its parser file, an entry here and its line in the dispatch. (The scenario module sits
/// below the checks, so it cannot read `checks::FAMILIES`; a test holds the two lists equal.)
pub const FAMILY_SECTIONS: &[&str] = &["idempotency", "rate_limit", "pagination", "error_format"];

/// The check IDs `skip = [...]` may name, `(prefix, ids)` per family in catalog order: the
/// scenario module cannot read `checks::FAMILIES`, so this copy is held equal to it by a test
/// (`tests/integration/observation.rs`). A family that adds an ID adds it here too.
pub const CHECK_IDS: &[(&str, &[&str])] = &[
    (
        "IDEM",
        &[
            "IDEM-01", "IDEM-02", "IDEM-03", "IDEM-04", "IDEM-05", "IDEM-06", "IDEM-07", "IDEM-08",
        ],
    ),
    (
        "RL",
        &[
            "RL-01", "RL-02", "RL-03", "RL-04", "RL-05", "RL-06", "RL-07", "RL-08", "RL-09",
            "RL-10",
        ],
    ),
    (
        "PAGE",
        &[
            "PAGE-01", "PAGE-02", "PAGE-03", "PAGE-04", "PAGE-05", "PAGE-06",
        ],
    ),
    (
        "ERR",
        &[
            "ERR-01", "ERR-02", "ERR-03", "ERR-04", "ERR-05", "ERR-06", "ERR-07", "ERR-08",
        ],
    ),
];

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
        let skip = get(t, "skip").map(|s| self.waivers(s)).unwrap_or_default();
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
            skip,
        })
    }

    /// `skip = ["ERR-06", "RL-*"]`: each an ID of the catalog or a family glob `FAM-*`.
    fn waivers(&mut self, e: &Entry) -> Vec<Waiver> {
        let Kind::Array(items) = &e.value.kind else {
            self.type_err(e, "an array of check IDs, like [\"ERR-06\", \"RL-*\"]");
            return Vec::new();
        };
        let mut out: Vec<Waiver> = Vec::new();
        for node in items {
            let Kind::String(s) = &node.kind else {
                self.err(
                    node.span.clone(),
                    format!("expected a check ID (string), found {}", node.describe()),
                );
                continue;
            };
            match Waiver::check(s, CHECK_IDS) {
                Ok(()) if out.iter().all(|w| w.pattern != *s) => out.push(Waiver {
                    pattern: s.clone(),
                    by: WaivedBy::Scenario,
                }),
                Ok(()) => {}
                Err((message, hint)) => self.err_hint(node.span.clone(), message, hint),
            }
        }
        out
    }

    fn required_request(
        &mut self,
        t: &[Entry],
        span: &Range<usize>,
        place: &str,
    ) -> Option<String> {
        match get(t, "request") {
            Some(r) => self.check_request_ref(r),
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
            Some(v) => self.template_of(v, TplScope::Header),
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
