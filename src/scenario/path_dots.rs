//! Dot segments in a request path: whether `..` climbs above the path's start (and so out of the
//! target's base path the request path is appended to). URL parsers resolve `..` before sending,
//! percent-encoded forms (`%2e%2e`) included, so the request would leave the API under test.

/// A dot segment as a URL parser sees it (`%2e` is a dot, in any case).
#[derive(Debug, PartialEq, Eq)]
enum Segment {
    /// `.`: stays where it is.
    Current,
    /// `..`: one level up.
    Parent,
    /// Anything else: one level down.
    Named,
}

fn classify(segment: &str) -> Segment {
    let lower = segment.to_ascii_lowercase();
    match lower.as_str() {
        "." | "%2e" => Segment::Current,
        ".." | ".%2e" | "%2e." | "%2e%2e" => Segment::Parent,
        _ => Segment::Named,
    }
}

/// Byte offset in `path` of the first `..` segment that climbs above the path's start, if one
/// does. `path` starts with `/`; only its part before `?` or `#` counts. When `complete` is false
/// the text continues past its end (a placeholder follows), so its last segment is unfinished
/// and not judged.
pub(crate) fn first_escape(path: &str, complete: bool) -> Option<usize> {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let cut = end < path.len();
    let path = &path[..end];
    let mut depth = 0usize;
    let mut at = 0;
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let judged = if complete || cut {
        segments.len()
    } else {
        segments.len().saturating_sub(1)
    };
    for (i, seg) in segments.iter().enumerate() {
        at += 1; // the `/` before this segment
        if i >= judged {
            break;
        }
        match classify(seg) {
            Segment::Current => {}
            Segment::Parent if depth == 0 => return Some(at),
            Segment::Parent => depth -= 1,
            Segment::Named => depth += 1,
        }
        at += seg.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::first_escape;

    #[test]
    fn dot_dot_that_climbs_above_the_start_is_found() {
        assert_eq!(first_escape("/../admin", true), Some(1));
        assert_eq!(first_escape("/a/../../admin", true), Some(6));
        assert_eq!(first_escape("/a/%2E%2e/%2e./x", true), Some(10));
        assert_eq!(first_escape("/./..", true), Some(3));
    }

    #[test]
    fn paths_that_stay_below_the_start_are_fine() {
        assert_eq!(first_escape("/a/../b", true), None);
        assert_eq!(first_escape("/a//../..", true), None);
        assert_eq!(first_escape("/orders/..x/...", true), None);
        assert_eq!(first_escape("/orders?next=../../x", true), None);
        assert_eq!(first_escape("/", true), None);
        // `/..` followed by a placeholder is `/..${id}`: not a dot segment.
        assert_eq!(first_escape("/..", false), None);
        assert_eq!(first_escape("/../", false), Some(1));
    }
}
