//! PAGE-05's network part: invalid positions built from the real one the quiescent walk
//! followed from page 1 to page 2 (tampered, random and truncated cursors, a cursor reused with
//! a changed filter; for a page number or an offset, a non-numeric and a negative value).

use rand::Rng;

use super::judge::{self, Decision, End, TokenProbe};
use super::net::{self, Env, Mode, Stepper, Style};
use crate::checks::probe::{Exchange, ProbeClient};
use crate::verdict::CheckStatus;

/// PAGE-05: invalid cursors built from a real one.
pub(super) async fn token_hygiene(
    env: &Env<'_>,
    client: &ProbeClient,
    style: &Style,
    q: &Stepper,
) -> (Decision, Vec<Exchange>) {
    let none = |why: &str| {
        (
            Decision {
                status: CheckStatus::Skip,
                message: why.to_string(),
                evidence: vec![],
            },
            vec![],
        )
    };
    let pages = &q.rec.pages;
    if pages.len() < 2 {
        // Say why there is no second page: a single page is not the same as a walk that
        // looped or broke off before its second page.
        return match &q.rec.end {
            End::Loop(why) => none(&format!(
                "not probed: the walk looped before a second page ({why}; see PAGE-01), so there is no valid position to tamper with"
            )),
            End::Failed(why) | End::Unreadable(why) => none(&format!(
                "not probed: the walk broke off before a second page ({why}; see PAGE-01)"
            )),
            End::Cap(_) => none("not probed: the page cap stopped the walk before a second page"),
            End::Signal if q.rec.past_end.is_some() => none(
                "the listing has a single page (the page after it is past the end): no position to test",
            ),
            End::Signal => none("the listing has a single page: no cursor to test"),
        };
    }
    let (Ok(u1), Ok(u2)) = (
        reqwest::Url::parse(&pages[0].url),
        reqwest::Url::parse(&pages[1].url),
    ) else {
        return none("the page URLs could not be parsed");
    };
    // The parameter that carries the position: the one that differs between pages 1 and 2.
    let param = u2
        .query_pairs()
        .find(|(k, v)| {
            *k != env.spec.limit_param && net::query_value(&u1, k).as_deref() != Some(v.as_ref())
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()));
    let Some((param, token)) = param else {
        return none("no query parameter carries the position from page 1 to page 2");
    };
    // A page number or an offset is never judged as an opaque cursor, whichever style found
    // it (a `Link` or body `next` URL with `page=2` is a page number too).
    let spec = env.spec;
    let described = match style.mode {
        Mode::Stripe => None,
        _ => judge::positional(
            &param,
            &token,
            (&spec.page_param, &spec.offset_param),
            style.first_page.unwrap_or(spec.first_page),
            pages[0].ids.len(),
        ),
    };
    let positional = matches!(style.mode, Mode::Offset | Mode::Page) || described.is_some();
    let mut rng = rand::rng();
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut variants: Vec<(String, String)> = Vec::new();
    if positional {
        variants.push(("non-numeric".into(), "abc".into()));
        variants.push(("negative".into(), "-5".into()));
    } else {
        let chars: Vec<char> = token.chars().collect();
        let mid = chars.len() / 2;
        let mut tampered = chars.clone();
        if let Some(c) = tampered.get_mut(mid) {
            *c = if *c == 'A' { 'B' } else { 'A' };
        }
        variants.push(("tampered".into(), tampered.into_iter().collect()));
        let random: String = (0..chars.len().max(8))
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        variants.push(("random".into(), random));
        if chars.len() >= 2 {
            variants.push(("truncated".into(), chars[..mid].iter().collect()));
        }
    }
    let mut probes = Vec::new();
    let mut exchanges = Vec::new();
    let mut send_one = async |kind: String, url: reqwest::Url| {
        let ex = env.get(client, url, 0).await;
        let ids = ex
            .json()
            .filter(|_| ex.is_success())
            .and_then(|b| net::items(env.spec, &b).ok())
            .map(|(ids, _)| ids);
        probes.push(TokenProbe {
            kind,
            status: ex.status,
            ids,
            error: ex.error.clone(),
        });
        exchanges.push(ex);
    };
    for (kind, value) in variants {
        send_one(kind, net::set_query(&u2, &param, &value)).await;
    }
    // A valid cursor with a changed filter.
    let mut notes = Vec::new();
    let filter = env
        .base
        .url
        .query_pairs()
        .find(|(k, _)| *k != env.spec.limit_param && *k != param)
        .map(|(k, v)| (k.into_owned(), v.into_owned()));
    match filter {
        Some((k, v)) if !positional => {
            send_one(
                format!("reused with a changed `{k}` filter"),
                net::set_query(&u2, &k, &format!("{v}-changed")),
            )
            .await;
        }
        Some(_) => {}
        None if positional => {}
        None => notes.push(
            "the listing request has no filter parameter, so cursor reuse with changed filters was not tested".into(),
        ),
    }
    let decodable = if positional {
        Some(described.unwrap_or_else(|| {
            format!("`{param}` is a position ({param}={token} on page 2), not an opaque cursor")
        }))
    } else if style.mode == Mode::Stripe {
        None
    } else {
        judge::decodable(&token)
    };
    let j = judge::token_hygiene(
        &probes,
        &pages[0].ids,
        decodable.as_deref(),
        &notes,
        positional,
    );
    (j, exchanges)
}
