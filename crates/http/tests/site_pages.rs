//! The site's own pages: `/` says what Rollcall is and where to go; the icon is served.

mod common;

use axum::http::{StatusCode, header};
use common::site;

#[tokio::test]
async fn the_front_page_says_what_rollcall_is_and_links_sign_in_and_the_api_docs() {
    let site = site().await;
    let home = site.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert!(home.body.contains("<h1>Rollcall</h1>"), "{}", home.body);
    assert!(
        home.body.contains("invites@rollcall.test"),
        "names the address organizers add as a guest: {}",
        home.body
    );
    for link in ["/signin", "/api/docs"] {
        assert!(
            home.body.contains(&format!("href=\"{link}\"")),
            "{link}: {}",
            home.body
        );
        let target = site.get(link).await;
        assert_eq!(target.status, StatusCode::OK, "{link} answers");
    }
    assert!(
        home.body
            .contains(r#"<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">"#),
        "every page names the icon: {}",
        home.body
    );
}

#[tokio::test]
async fn the_icon_is_an_svg_at_both_addresses() {
    let site = site().await;
    for path in ["/favicon.ico", "/assets/favicon.svg"] {
        let icon = site.get(path).await;
        assert_eq!(icon.status, StatusCode::OK, "{path}");
        assert_eq!(icon.header(header::CONTENT_TYPE), "image/svg+xml", "{path}");
        assert!(icon.body.starts_with("<svg "), "{path}: {}", icon.body);
    }
    let missing = site.get("/nothing-here").await;
    assert_eq!(
        missing.status,
        StatusCode::NOT_FOUND,
        "other paths stay 404"
    );
}
