//! `/docs`: an interactive viewer of `/api/v1/openapi.json` (Swagger UI), served from the binary — the
//! bundle of the `swagger-ui-dist` crate and a page of our own that loads only it: no CDN, and no
//! validator badge (Swagger UI's default sends the document's address to validator.swagger.io).
//! Neither the viewer nor the document needs a key.

use axum::{
    Router,
    extract::Request,
    http::header::CONTENT_TYPE,
    middleware::Next,
    response::{IntoResponse, Response},
};
use swagger_ui_dist::{ApiDefinition, OpenApiSource};

/// Where the viewer is.
const DOCS: &str = "/docs";

/// The viewer's page: the bundle's CSS and JS from `/docs/…`, pointed at the document.
const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>EmToken platform API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css" />
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
  window.onload = () => {
    window.ui = SwaggerUIBundle({
      url: "/api/v1/openapi.json",
      dom_id: "#swagger-ui",
      validatorUrl: null,
    });
  };
</script>
</body>
</html>
"##;

/// The viewer's routes: `/docs` (and `/docs/`) and the bundle's files under it.
pub(crate) fn router() -> Router {
    swagger_ui_dist::generate_routes(ApiDefinition {
        uri_prefix: DOCS,
        api_definition: OpenApiSource::Uri("/api/v1/openapi.json"),
        title: Some("EmToken platform API"),
    })
    .layer(axum::middleware::from_fn(page))
}

/// Answers `/docs` and `/docs/` with [`PAGE`] (instead of the crate's page, which leaves the validator
/// on); the bundle's files as they are.
async fn page(request: Request, next: Next) -> Response {
    match request.uri().path() {
        "/docs" | "/docs/" => ([(CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response(),
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn get(path: &str) -> (StatusCode, String, String) {
        let response = router()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let kind = response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, kind, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn the_viewer_loads_only_what_the_binary_serves() {
        let (status, kind, html) = get("/docs").await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(html.contains(r#"url: "/api/v1/openapi.json""#), "{html}");
        assert!(html.contains("validatorUrl: null"), "{html}");
        let mut assets = vec![];
        for attribute in ["src=\"", "href=\""] {
            for part in html.split(attribute).skip(1) {
                let target = part.split('"').next().unwrap();
                assert!(target.starts_with("/docs/"), "{target} is not local");
                assets.push(target.to_owned());
            }
        }
        assert_eq!(
            assets,
            ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"],
            "{html}"
        );
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
        for asset in assets {
            let (status, kind, body) = get(&asset).await;
            assert_eq!(status, StatusCode::OK, "{asset}");
            assert!(kind.starts_with("text/"), "{asset}: {kind}");
            assert!(body.len() > 10_000, "{asset}");
        }
        assert_eq!(get("/docs/").await.2, html);
    }
}
