//! A JSON document read for the error-body rules: [`Json`], which borrows its strings from the
//! body instead of copying each into a `String`, and keeps an object's members in one vector
//! instead of a tree of nodes.
//!
//! The passive checks judge every error response the load receives; parsing each into a
//! `serde_json::Value` (a `String` per key and per string, a `BTreeMap` per object, all freed
//! again) was most of what judging one cost (`bench/run.sh passive`). What the rules see is
//! the same as a `Value` would show them: `serde_json` parses it (same grammar, same limits),
//! an object's members come sorted by key with the last of a repeated key kept (as `Value`'s
//! map keeps them), and numbers are `serde_json::Number`s. A test holds the two views equal.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// One JSON value; strings borrowed from the text unless they held an escape.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Object<'a>),
}

/// An object's members, sorted by key, each key once (the last value of a repeated key).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object<'a>(Vec<(Cow<'a, str>, Json<'a>)>);

impl<'a> Json<'a> {
    /// Parse `text` as `serde_json::from_slice` would (the same errors for the same input).
    pub fn parse(text: &'a [u8]) -> serde_json::Result<Json<'a>> {
        serde_json::from_slice(text)
    }

    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn is_u64(&self) -> bool {
        matches!(self, Json::Number(n) if n.is_u64())
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Json::Number(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Json::String(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// A member, when this is an object (as `Value::get` with a name).
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(o) => o.get(key),
            _ => None,
        }
    }

    /// An RFC 6901 JSON pointer (`/errors/0/title`), as `Value::pointer`.
    pub fn pointer(&self, pointer: &str) -> Option<&Json<'a>> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |at, token| {
            // (An escape-free token, every one the rules ask for, is not copied.)
            let token: Cow<str> = if token.contains('~') {
                Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(token)
            };
            match at {
                Json::Object(o) => o.get(&token),
                Json::Array(a) => index(&token).and_then(|i| a.get(i)),
                _ => None,
            }
        })
    }

    /// The value as a `serde_json::Value` (for a schema's validator, which takes one).
    pub fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.clone()),
            Json::String(s) => Value::String(s.to_string()),
            Json::Array(a) => Value::Array(a.iter().map(Json::to_value).collect()),
            Json::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

/// An array index as `Value::pointer` reads one: digits, no sign, no leading zero.
fn index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() > 1) {
        return None;
    }
    token.parse().ok()
}

/// Serialized as JSON text (as `Value`'s `Display` writes it).
impl fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_value(), f)
    }
}

/// A `Value` seen as a `Json` (its strings borrowed): for tests and callers that hold a `Value`.
impl<'a> From<&'a Value> for Json<'a> {
    fn from(v: &'a Value) -> Json<'a> {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.clone()),
            Value::String(s) => Json::String(Cow::Borrowed(s)),
            Value::Array(a) => Json::Array(a.iter().map(Json::from).collect()),
            // A `Value`'s map is sorted with each key once already.
            Value::Object(o) => Json::Object(Object(
                o.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::from(v)))
                    .collect(),
            )),
        }
    }
}

impl<'a> Object<'a> {
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        // A scan, lengths first: an error body has a handful of members, and the rules ask
        // for a dozen names, most of them absent (a binary search compared bytes every step).
        self.0
            .iter()
            .find(|(k, _)| k.len() == key.len() && k.as_bytes() == key.as_bytes())
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }

    /// The members, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Members in the order they came, sorted by key as `Value`'s map holds them: of a repeated
    /// key, the last value (a stable sort keeps their order; the last of each run is kept).
    fn from_members(mut members: Vec<(Cow<'a, str>, Json<'a>)>) -> Object<'a> {
        members.sort_by(|a, b| a.0.cmp(&b.0));
        // `dedup_by` keeps the first of a run and drops the later one it is shown: the later
        // value moves into the kept entry first.
        members.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        Object(members)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// A key that borrows from the text when it can.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(JsonVisitor).map(|j| match j {
            Json::String(s) => Key(s),
            // `deserialize_str` of a key only ever visits a string.
            other => Key(Cow::Owned(other.to_string())),
        })
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Json<'de>, E> {
        // Non-finite floats do not come out of JSON text; `Value` maps them to null too.
        Ok(Number::from_f64(n).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(s)))
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        Deserialize::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Json::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        // (`serde_json` gives no size hint; an error body has a handful of members.)
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
        while let Some((Key(k), v)) = map.next_entry::<Key<'de>, Json<'de>>()? {
            members.push((k, v));
        }
        Ok(Json::Object(Object::from_members(members)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Whatever the text, `Json` reads what `Value` reads: the same errors, and a document that
    /// converts back to the same `Value` (sorted members, the last of a repeated key, numbers
    /// of every kind, escapes, nesting).
    fn same_as_value(text: &str) -> Result<(), TestCaseError> {
        let value = serde_json::from_str::<Value>(text);
        let json = Json::parse(text.as_bytes());
        match (&value, &json) {
            (Ok(v), Ok(j)) => {
                prop_assert_eq!(&j.to_value(), v);
                prop_assert_eq!(&Json::from(v), j);
                prop_assert_eq!(j.to_string(), v.to_string());
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            _ => prop_assert!(false, "{text:?}: {value:?} against {json:?}"),
        }
        Ok(())
    }

    #[test]
    fn reads_what_value_reads() {
        for text in [
            r#"{"type":"about:blank","status":404,"title":"Not Found"}"#,
            r#"{"b":1,"a":2,"b":3}"#,
            r#"{"s":"a\"b\u00e9\n","n":-1,"f":404.0,"e":4e2,"big":18446744073709551616}"#,
            r#"[1,[2,[3,{"x":null,"y":true}]]]"#,
            r#"{"error":{"code":400,"details":[{"@type":"t","reason":"R"}]}}"#,
            r#""just a string""#,
            "",
            "{",
            r#"{"a":1} x"#,
            &format!("{}1{}", "[".repeat(200), "]".repeat(200)),
        ] {
            same_as_value(text).unwrap();
        }
    }

    #[test]
    fn pointers_and_lookups_read_as_value_does() {
        let text = r#"{"errors":[{"title":"T","a/b":1,"m~n":2}],"error":{"code":"C"},"k":[0,1]}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        let j = Json::parse(text.as_bytes()).unwrap();
        for p in [
            "",
            "/errors/0/title",
            "/errors/1",
            "/errors/00",
            "/errors/+0",
            "/errors/0/a~1b",
            "/errors/0/m~0n",
            "/error/code",
            "/k/1",
            "/k/2",
            "/missing",
            "errors",
            "/k/x",
        ] {
            assert_eq!(
                j.pointer(p).map(Json::to_value),
                v.pointer(p).cloned(),
                "{p}"
            );
        }
        assert_eq!(
            j.get("error")
                .and_then(|e| e.get("code"))
                .and_then(Json::as_str),
            Some("C")
        );
        assert!(j.get("errors").and_then(Json::as_array).is_some());
        assert_eq!(
            j.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["error", "errors", "k"]
        );
    }

    /// An escape-free string is borrowed from the text, not copied.
    #[test]
    fn strings_without_escapes_are_borrowed() {
        let j = Json::parse(br#"{"type":"https://x/y","t":"a\nb"}"#).unwrap();
        assert!(matches!(
            j.get("type"),
            Some(Json::String(Cow::Borrowed(_)))
        ));
        assert!(matches!(j.get("t"), Some(Json::String(Cow::Owned(_)))));
    }

    proptest! {
        #[test]
        fn any_json_shaped_text_reads_as_value_reads(
            text in r#"[\[\]{}",: 0-9a-c.eE+\-\\nu]{0,40}"#
        ) {
            same_as_value(&text)?;
        }

        #[test]
        fn objects_with_repeated_keys_read_as_value_reads(
            members in prop::collection::vec(("[a-d]{1,2}", prop_oneof![
                Just("1".to_string()), Just("-2".to_string()), Just("3.5".to_string()),
                Just("null".to_string()), Just("\"s\"".to_string()), Just("[1,{\"a\":2}]".to_string()),
                Just("{\"b\":1,\"b\":2}".to_string()),
            ]), 0..8)
        ) {
            let text = format!(
                "{{{}}}",
                members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
            );
            same_as_value(&text)?;
        }
    }
}
