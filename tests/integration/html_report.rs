//! `report.html` from a real run against a hostile target: whatever the target answers (markup,
//! scripts, quotes), the page shows it as text and never runs or loads it.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::IntoResponse;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(120);
const BODY: &str =
    r#"<script>alert("pwned")</script><img src="http://127.0.0.1:9/x.png" onerror='x()'>"#;

#[test]
fn report_html_shows_a_hostile_targets_words_as_text() {
    let rt = runtime();
    let app = axum::Router::new().route(
        "/evil",
        axum::routing::get(|| async {
            let mut r = (StatusCode::INTERNAL_SERVER_ERROR, BODY).into_response();
            r.headers_mut()
                .insert("x-evil", HeaderValue::from_static("<b onmouseover='x()'>"));
            r
        }),
    );
    let url = serve_app(&rt, app);
    let dir = scratch("html-hostile");
    let scenario = write(
        &dir,
        "evil.toml",
        &format!(
            r#"name = "evil"
target = "{url}"
[load]
users = 1
requests = 3
[[requests]]
name = "evil"
path = "/evil"
expect = {{ status = 200 }}
"#
        ),
    );
    let out = dir.join("out");
    let o = run(
        bin().arg("run").arg(&scenario).arg("--out").arg(&out),
        LIMIT,
    );
    assert_eq!(code(&o), 4, "{:?}", text(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // The target's body is in the page, as text: the evidence of the failed expectation.
    assert!(
        html.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;b onmouseover=&#39;x()&#39;&gt;"),
        "{html}"
    );
    for live in ["<script", "<img", "<b onmouseover", "src=\"http"] {
        assert!(!html.contains(live), "report.html holds a live {live}");
    }
    // And the run's charts are drawn (a closed loop: the schedule chart says why it has none).
    for id in [
        "chart-percentiles",
        "chart-latency-over-time",
        "chart-throughput",
    ] {
        assert!(
            html.contains(&format!(r#"<figure class="chart" id="{id}">"#)),
            "{id}"
        );
    }
    assert!(html.contains(r#"<figure class="chart nodata" id="chart-open-loop">"#));
}
