//! The members of a draft-08+ `RateLimit` list, read by visiting the parse (`sfv::visitor`)
//! rather than building sfv's `List`: only the parameters RL reads are kept, so a member costs no
//! parameter map. The passive checks parse this field on every response, and building the maps
//! was most of its cost (`bench/run.sh passive`). Judging the members stays in the parent
//! module, in the order it always had.

use std::convert::Infallible;

use sfv::visitor::{
    EntryVisitor, Ignored, InnerListVisitor, ItemVisitor, ListVisitor, ParameterVisitor,
};
use sfv::{BareItem, BareItemFromInput, KeyRef, Parser};

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
