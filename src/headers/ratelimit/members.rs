//! The members of a draft-08+ `RateLimit` list, read by visiting the parse (`sfv::visitor`)
//! rather than building sfv's `List`: only the parameters RL reads are kept, so a member costs no
//! parameter map. The passive checks parse this field on every response, and building the maps
//! was most of its cost (`bench/run.sh passive`). Judging the members stays in the parent
//! module, in the order it always had.
//!
//! Ahead of the visitor, [`plain_limits`] reads the one shape nearly every server sends
//! (`"default";r=42;t=30`, members of a plain string and integer parameters) in one scan without
//! `sfv`. It is an accelerator, not a second parser: it accepts a strict subset of RFC 9651's
//! list syntax and answers `None` at the first byte outside it (an escape, a decimal, a boolean,
//! a token, a byte sequence, a missing or negative `r`, `pk`, anything `sfv` would reject), and
//! then `sfv` decides, error messages included. A property test holds every answer it gives to
//! what the `sfv` path gives for the same text.

use std::convert::Infallible;

use sfv::visitor::{
    EntryVisitor, Ignored, InnerListVisitor, ItemVisitor, ListVisitor, ParameterVisitor,
};
use sfv::{BareItem, BareItemFromInput, KeyRef, Parser};

use super::Limit;

/// A `RateLimit` list in its common shape, as [`Limit`]s; `None` when the value is anything else
/// (see the module doc): the caller then parses it with `sfv`. `value` starts at its first
/// member (leading whitespace already gone).
pub(super) fn plain_limits(value: &str) -> Option<Vec<Limit>> {
    let mut out = Vec::with_capacity(1);
    plain_members(value, |name, remaining, reset| {
        out.push(Limit {
            policy: name.to_string(),
            remaining,
            reset,
            partition_key: None,
        });
    })?;
    Some(out)
}

/// [`plain_limits`] without the list: `each(name, r, t)` is called for every member, in order,
/// borrowing the name from `value`, so the passive checks read a list per response without an
/// allocation. `None` when the value is outside the common shape; `each` may have seen the
/// members before the byte that decided it, so a caller discards what it gathered then.
pub(super) fn plain_members<'v>(
    value: &'v str,
    mut each: impl FnMut(&'v str, u64, Option<u64>),
) -> Option<()> {
    let b = value.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let mut i = 0;
    loop {
        // sf-string without escapes: visible ASCII and space.
        if at(i) != Some(b'"') {
            return None;
        }
        let start = i + 1;
        let len = b[start..].iter().position(|&c| c == b'"')?;
        if b[start..start + len]
            .iter()
            .any(|&c| !(0x20..=0x7e).contains(&c) || c == b'\\')
        {
            return None;
        }
        // Both ends are ASCII quotes: char boundaries.
        let name = &value[start..start + len];
        i = start + len + 1;
        // Parameters: `;` SP* key `=` sf-integer. A repeated key overwrites (RFC 9651 §4.2.3.2).
        let (mut r, mut t) = (None, None);
        while at(i) == Some(b';') {
            i += 1;
            while at(i) == Some(b' ') {
                i += 1;
            }
            let k0 = i;
            if !matches!(at(i), Some(c) if c.is_ascii_lowercase() || c == b'*') {
                return None;
            }
            i += 1;
            while matches!(at(i), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'.' | b'*'))
            {
                i += 1;
            }
            let key = &b[k0..i];
            if at(i) != Some(b'=') {
                return None;
            }
            i += 1;
            let negative = at(i) == Some(b'-');
            if negative {
                i += 1;
            }
            let d0 = i;
            while matches!(at(i), Some(c) if c.is_ascii_digit()) {
                i += 1;
            }
            // At most 15 digits and no fraction: an sf-integer, which fits an i64.
            if i == d0 || i - d0 > 15 || at(i) == Some(b'.') {
                return None;
            }
            let magnitude = value[d0..i].parse::<i64>().ok()?;
            let v = if negative { -magnitude } else { magnitude };
            match key {
                b"r" => r = Some(v),
                b"t" => t = Some(v),
                // A partition key is a byte sequence; anything there is for `sfv` to judge.
                b"pk" => return None,
                _ => {}
            }
        }
        each(
            name,
            u64::try_from(r?).ok()?,
            t.map(u64::try_from).transpose().ok()?,
        );
        // OWS, then the end or `,` OWS and another member (a trailing comma is an error).
        while matches!(at(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if i == b.len() {
            return Some(());
        }
        if at(i) != Some(b',') {
            return None;
        }
        i += 1;
        while matches!(at(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if i == b.len() {
            return None;
        }
    }
}

/// One list member as parsing met it. A repeated parameter overwrites the earlier value, as a
/// parameter map does (RFC 9651 §4.2.3.2).
#[derive(Debug, Default)]
pub(super) struct Member {
    pub inner_list: bool,
    /// The bare item: the name when it is a string, else the item (for the error).
    pub name: Option<Result<String, BareItem>>,
    pub r: Option<BareItem>,
    pub t: Option<BareItem>,
    pub pk: Option<BareItem>,
}

/// Parse `value` as an sf-list into its members; an `sfv` error when it is not one.
pub(super) fn members(value: &str) -> Result<Vec<Member>, sfv::Error> {
    let mut list = Members(Vec::new());
    Parser::new(value).parse_list_with_visitor(&mut list)?;
    Ok(list.0)
}

struct Members(Vec<Member>);

impl<'de> ListVisitor<'de> for &mut Members {
    type Out = ();
    type Error = Infallible;

    fn entry(&mut self) -> Result<impl EntryVisitor<'de>, Infallible> {
        self.0.push(Member::default());
        Ok(self.0.last_mut())
    }

    fn finish(self) -> Result<(), Infallible> {
        Ok(())
    }
}

impl<'de> EntryVisitor<'de> for &mut Member {
    type Error = Infallible;

    fn item(self) -> Result<impl ItemVisitor<'de>, Infallible> {
        Ok(self)
    }

    fn inner_list(self) -> Result<impl InnerListVisitor<'de>, Infallible> {
        self.inner_list = true;
        Ok(Ignored)
    }
}

impl<'de> ItemVisitor<'de> for &mut Member {
    type Out = ();
    type Error = Infallible;

    fn bare_item(
        self,
        item: BareItemFromInput<'de>,
    ) -> Result<impl ParameterVisitor<'de, Out = ()>, Infallible> {
        self.name = Some(match item {
            BareItemFromInput::String(s) => Ok(s.as_str().to_string()),
            other => Err(other.into()),
        });
        Ok(self)
    }
}

impl<'de> ParameterVisitor<'de> for &mut Member {
    type Out = ();
    type Error = Infallible;

    fn parameter(
        &mut self,
        key: &'de KeyRef,
        value: BareItemFromInput<'de>,
    ) -> Result<(), Infallible> {
        let slot = match key.as_str() {
            "r" => &mut self.r,
            "t" => &mut self.t,
            "pk" => &mut self.pk,
            _ => return Ok(()),
        };
        *slot = Some(value.into());
        Ok(())
    }

    fn finish(self) -> Result<(), Infallible> {
        Ok(())
    }
}
