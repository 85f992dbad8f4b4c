//! The lean client's response reading without a network: every response is fed whole, and
//! split at every byte, and must come out the same.

use super::chunked::{Chunked, Decoded};
use super::response::{Framing, Reader, Response, frame};
use crate::engine::body::BodySink;
use crate::engine::client::ErrorKind;
use crate::observe::Headers;

/// Read `wire` as one response (keeping up to 1 KiB of body, drain cap 64 KiB), fed in pieces
/// of `step` bytes; `eof` closes the connection after the bytes.
fn read_in(
    wire: &[u8],
    step: usize,
    head: bool,
    eof: bool,
) -> Result<Response, (ErrorKind, String)> {
    let mut r = Reader::new(
        head,
        |_| true,
        |_, _: Headers<'_>| BodySink::new(Some(1024), 64 * 1024),
    );
    let mut done = false;
    for piece in wire.chunks(step.max(1)) {
        if r.feed(piece)? {
            done = true;
            break;
        }
    }
    if !done && eof {
        done = r.eof()?;
    }
    assert!(done, "incomplete after {} bytes", wire.len());
    Ok(r.into_response().unwrap())
}

/// The same response whatever the split.
fn read_every_split(wire: &[u8], head: bool, eof: bool) -> Response {
    let whole = read_in(wire, wire.len(), head, eof).unwrap();
    for step in 1..wire.len() {
        let r = read_in(wire, step, head, eof).unwrap();
        assert_eq!(r.status, whole.status, "step {step}");
        assert_eq!(r.sink.kept(), whole.sink.kept(), "step {step}");
        assert_eq!(r.reusable, whole.reusable, "step {step}");
        assert_eq!(
            fields(&r),
            fields(&whole),
            "step {step}: the same fields, in order"
        );
    }
    whole
}

/// The fields kept of a response, in order.
fn fields(r: &Response) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    r.headers.as_ref().map(|h| {
        Headers::Raw(h)
            .iter()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect()
    })
}

fn body(r: &Response) -> &str {
    std::str::from_utf8(r.sink.kept().unwrap()).unwrap()
}

#[test]
fn content_length_body_keeps_the_connection() {
    let r = read_every_split(
        b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Id: 7\r\n\r\nhello",
        false,
        false,
    );
    assert_eq!(r.status, 201);
    assert_eq!(body(&r), "hello");
    assert!(r.reusable);
    assert_eq!(Headers::Raw(&r.headers.unwrap()).get_str("x-id"), Some("7"));
}

#[test]
fn chunked_body_with_extensions_and_trailers() {
    let wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n\
        5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";
    let r = read_every_split(wire, false, false);
    assert_eq!(body(&r), "hello 0123456789");
    assert!(r.reusable);
}

#[test]
fn interim_responses_are_skipped() {
    let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n\
        HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let r = read_every_split(wire, false, false);
    assert_eq!(r.status, 200);
    assert_eq!(body(&r), "ok");
    assert!(
        Headers::Raw(&r.headers.unwrap()).get("link").is_none(),
        "the 103's headers are not the 200's"
    );
}

#[test]
fn bodiless_responses_end_at_the_head() {
    for wire in [
        &b"HTTP/1.1 204 No Content\r\n\r\n"[..],
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
    ] {
        let r = read_every_split(wire, false, false);
        assert_eq!(r.sink.bytes, 0);
        assert!(r.reusable);
    }
    // A HEAD response announces the length of a body it does not send.
    let r = read_every_split(
        b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n",
        true,
        false,
    );
    assert_eq!((r.status, r.sink.bytes, r.reusable), (200, 0, true));
}

#[test]
fn a_body_until_close_ends_at_eof_and_closes() {
    let r = read_every_split(b"HTTP/1.1 200 OK\r\n\r\nall of it", false, true);
    assert_eq!(body(&r), "all of it");
    assert!(!r.reusable);
    // HTTP/1.0 without keep-alive, a `close`, a length beside a transfer coding: done, not reused.
    for wire in [
        &b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"[..],
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    ] {
        let r = read_every_split(wire, false, false);
        assert_eq!(body(&r), "ok");
        assert!(!r.reusable, "{}", String::from_utf8_lossy(wire));
    }
    let r = read_every_split(
        b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
        false,
        false,
    );
    assert!(r.reusable);
}

#[test]
fn bytes_after_the_response_make_the_connection_unusable() {
    let r = read_in(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
        100,
        false,
        false,
    )
    .unwrap();
    assert_eq!(body(&r), "ok");
    assert!(!r.reusable);
    let r = read_in(
        b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1",
        100,
        false,
        false,
    )
    .unwrap();
    assert!(!r.reusable);
}

#[test]
fn headers_are_kept_only_when_wanted() {
    let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-A: 1\r\n\r\n";
    let mut seen = None;
    let mut r = Reader::new(
        false,
        |status| status != 200,
        |status, h: Headers<'_>| {
            seen = Some((status, h.iter().count()));
            BodySink::new(None, 10)
        },
    );
    assert!(r.feed(wire).unwrap());
    let resp = r.into_response().unwrap();
    assert!(resp.headers.is_none());
    assert_eq!(seen, Some((200, 0)), "the sink sees no fields");
}

#[test]
fn the_drain_cap_stops_reading_and_drops_the_connection() {
    let mut r = Reader::new(false, |_| false, |_, _: Headers<'_>| BodySink::new(None, 4));
    assert!(
        r.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            .unwrap()
    );
    let resp = r.into_response().unwrap();
    assert!(resp.sink.truncated);
    assert!(!resp.reusable);
    let mut r = Reader::new(false, |_| false, |_, _: Headers<'_>| BodySink::new(None, 4));
    assert!(
        r.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .is_ok_and(|d| !d)
    );
    assert!(r.feed(b"a\r\n0123456789\r\n").unwrap());
    assert!(r.into_response().unwrap().sink.truncated);
}

#[test]
fn broken_heads_are_protocol_errors_and_closes_are_resets() {
    let err = |wire: &[u8]| read_in(wire, wire.len(), false, true).unwrap_err();
    for wire in [
        &b"HTTP/1.1 twohundred OK\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\nthis line has no colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"HTTP/1.1 700 Seven\r\n\r\n",
        b"HTTP/2 200\r\n\r\n",
    ] {
        let (kind, message) = err(wire);
        assert_eq!(kind, ErrorKind::Protocol, "{message}");
    }
    let mut flood = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..200 {
        flood.push_str(&format!("X-{i}: {i}\r\n"));
    }
    let (kind, message) = err(flood.as_bytes());
    assert_eq!(kind, ErrorKind::Protocol);
    assert!(message.contains("100 header fields"), "{message}");
    let long = format!("HTTP/1.1 200 OK\r\nX-Long: {}", "a".repeat(70_000));
    let (kind, message) = err(long.as_bytes());
    assert_eq!(kind, ErrorKind::Protocol);
    assert!(message.contains("64 KiB"), "{message}");

    assert_eq!(err(b"").0, ErrorKind::Reset);
    assert_eq!(err(b"HTTP/1.1 200 OK\r\nContent-Le").0, ErrorKind::Reset);
    let (kind, message) = err(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..");
    assert_eq!(kind, ErrorKind::BodyRead);
    assert!(message.contains("90 bytes before the end"), "{message}");
    let (kind, _) = err(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
    assert_eq!(kind, ErrorKind::BodyRead);
    let (kind, message) = err(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    assert_eq!(kind, ErrorKind::BodyRead);
    assert!(message.contains("chunk size"), "{message}");
}

#[test]
fn framing_follows_rfc_9112() {
    let h = |name, value| httparse::Header { name, value };
    let f = |status, version, head, hs: &[httparse::Header<'_>]| frame(status, version, head, hs);
    assert_eq!(f(200, 1, false, &[]).unwrap().framing, Framing::UntilClose);
    assert_eq!(
        f(200, 1, false, &[h("content-length", b"7")])
            .unwrap()
            .framing,
        Framing::Length(7)
    );
    // Equal repeated lengths are one length.
    assert_eq!(
        f(200, 1, false, &[h("Content-Length", b"7, 7")])
            .unwrap()
            .framing,
        Framing::Length(7)
    );
    // Only a final `chunked` frames by chunks; anything else runs until the close.
    let te = f(200, 1, false, &[h("Transfer-Encoding", b"chunked, gzip")]).unwrap();
    assert_eq!((te.framing, te.keep_alive), (Framing::UntilClose, false));
    let ka = f(
        200,
        1,
        false,
        &[
            h("Connection", b"Upgrade, close"),
            h("Content-Length", b"0"),
        ],
    );
    assert!(!ka.unwrap().keep_alive);
    assert!(!f(101, 1, false, &[]).unwrap().keep_alive);
}

#[test]
fn chunked_decoding_is_the_same_at_every_split_and_bounded() {
    let wire = b"3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\nNEXT";
    for step in 1..wire.len() {
        let mut d = Chunked::default();
        let mut out = Vec::new();
        let mut fed = 0;
        let mut end = None;
        for piece in wire.chunks(step) {
            match d
                .decode(piece, |b| {
                    out.extend_from_slice(b);
                    true
                })
                .unwrap()
            {
                Decoded::Done { used } => {
                    end = Some(fed + used);
                    break;
                }
                Decoded::NeedMore => fed += piece.len(),
                Decoded::Stopped => unreachable!(),
            }
        }
        assert_eq!(out, b"abc0123456789abcdef", "step {step}");
        assert_eq!(end, Some(wire.len() - 4), "step {step}");
    }
    // Endless extensions are cut off; a size past 64 bits and a wrong size are errors.
    let mut d = Chunked::default();
    let ext = format!("1;{}", "x".repeat(super::chunked::MAX_OVERHEAD + 1));
    assert!(
        d.decode(ext.as_bytes(), |_| true)
            .unwrap_err()
            .contains("KiB")
    );
    let mut d = Chunked::default();
    assert!(
        d.decode(b"fffffffffffffffff\r\n", |_| true)
            .unwrap_err()
            .contains("64 bits")
    );
    let mut d = Chunked::default();
    assert!(
        d.decode(b"2\r\nabc\r\n", |_| true)
            .unwrap_err()
            .contains("size is wrong")
    );
}

/// The kept fields are every field as sent: repeated names in order, names of any case, an
/// empty value, obs-text bytes — read from the reader's own copy of the head, whatever the split.
#[test]
fn kept_headers_hold_every_field_as_sent() {
    let wire: &[u8] = b"HTTP/1.1 200 OK\r\nX-Trace: a\r\nRateLimit: \"d\";r=1\r\nx-trace: b\r\nEmpty:\r\nOdd: caf\xc3\xa9 \x80\r\nContent-Length: 0\r\n\r\n";
    let r = read_every_split(wire, false, false);
    let raw = r.headers.expect("headers asked for");
    let h = Headers::Raw(&raw);
    let traces: Vec<_> = h.get_all("x-trace").collect();
    assert_eq!(traces, [b"a".as_slice(), b"b"]);
    assert_eq!(h.get("ratelimit"), Some(&b"\"d\";r=1"[..]));
    assert_eq!(h.get("empty"), Some(&b""[..]));
    assert_eq!(h.get("odd"), Some(&b"caf\xc3\xa9 \x80"[..]));
    assert_eq!(h.get_str("odd"), None, "obs-text is not text");
    assert_eq!(h.get_str("content-length"), Some("0"));
    assert_eq!(h.iter().count(), 6);
    // An invalid name is refused by the parser.
    let bad: &[u8] =
        b"HTTP/1.1 200 OK\r\nX-Trace: a\r\nBad\x7fName: b\r\nContent-Length: 0\r\n\r\n";
    assert!(read_in(bad, bad.len(), false, false).is_err());
}
