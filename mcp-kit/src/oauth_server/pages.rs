//! The HTML pages (login, consent, connector settings, messages): templates rendered on the
//! server, cookies, and the CSRF token of forms that carry no other secret.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, Value, context};

use super::OAuthError;
use super::secret::{same, token};

/// The cookie holding a form's CSRF token; the form carries the same value (double submit).
const CSRF_COOKIE: &str = "mcp_kit_csrf";
/// What a form refused for its CSRF token says.
pub(crate) const CSRF_REFUSED: &str =
    "The form's CSRF token is missing or wrong. Reload the page and try again.";
/// The built-in login's session cookie.
const SESSION_COOKIE: &str = "mcp_kit_session";

/// The templates, compiled once.
pub(crate) struct Pages {
    env: Environment<'static>,
    app_name: String,
    /// Cookies get `Secure` when the issuer is `https://`.
    secure: bool,
}

impl Pages {
    pub(crate) fn new(app_name: &str, secure: bool) -> Self {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("templates/base.html")),
            ("login.html", include_str!("templates/login.html")),
            ("consent.html", include_str!("templates/consent.html")),
            ("connector.html", include_str!("templates/connector.html")),
            ("message.html", include_str!("templates/message.html")),
        ] {
            env.add_template(name, source)
                .expect("the bundled templates parse");
        }
        Self {
            env,
            app_name: app_name.to_owned(),
            secure,
        }
    }

    /// `template` with `values`, as a page that is never cached or framed.
    pub(crate) fn render(&self, status: StatusCode, template: &str, values: Value) -> Response {
        let values = context! { app_name => self.app_name, ..values };
        let html = match self
            .env
            .get_template(template)
            .and_then(|t| t.render(values))
        {
            Ok(html) => html,
            Err(error) => {
                tracing::error!(%error, template, "a page did not render");
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the page could not be shown",
                )
                    .into_response();
            }
        };
        let headers = [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
            (header::REFERRER_POLICY, "no-referrer"),
        ];
        (status, headers, html).into_response()
    }

    /// A page saying `message`.
    pub(crate) fn message(&self, status: StatusCode, title: &str, message: &str) -> Response {
        self.render(status, "message.html", context! { title, message })
    }

    /// A form refused, saying why.
    pub(crate) fn refused(&self, message: &str) -> Response {
        self.message(
            StatusCode::FORBIDDEN,
            "This form cannot be accepted",
            message,
        )
    }

    /// A failure of the server itself: logged, and shown without its details.
    pub(crate) fn internal(&self, error: &OAuthError) -> Response {
        tracing::error!(%error, "the OAuth server failed");
        self.message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The server could not finish this step. Try again later.",
        )
    }

    /// The name of cookie `base`: over https with the `__Host-` prefix, so neither a sibling
    /// domain nor a plain-http answer can set it (which would defeat the double submit).
    fn cookie_name(&self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }

    /// A `Set-Cookie` value for `base`; `max_age` in seconds, 0 to delete it.
    fn cookie(&self, base: &str, value: &str, same_site: &str, max_age: u64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}",
            self.cookie_name(base)
        );
        HeaderValue::from_str(&cookie).expect("cookie values are base64url")
    }

    /// The `Set-Cookie` value of a login session; an empty `session` with `max_age` 0 ends it.
    pub(crate) fn session_cookie(&self, session: &str, max_age: u64) -> HeaderValue {
        self.cookie(SESSION_COOKIE, session, "Lax", max_age)
    }

    /// The login session `headers` carry.
    pub(crate) fn session<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        cookie(headers, &self.cookie_name(SESSION_COOKIE)).filter(|s| !s.is_empty())
    }

    /// `template` as a page with a form: `values` plus the visitor's CSRF token, whose cookie
    /// is set when the visitor has none yet.
    pub(crate) fn form(
        &self,
        headers: &HeaderMap,
        status: StatusCode,
        template: &str,
        values: Value,
    ) -> Response {
        let (csrf_token, set_cookie) = self.csrf(headers);
        let mut response = self.render(status, template, context! { csrf_token, ..values });
        if let Some(cookie) = set_cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }

    /// The CSRF token for a form, and the cookie to set when the visitor has none yet.
    fn csrf(&self, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
        match cookie(headers, &self.cookie_name(CSRF_COOKIE)).filter(|t| t.len() == 43) {
            Some(existing) => (existing.to_owned(), None),
            None => {
                let fresh = token();
                let set = self.cookie(CSRF_COOKIE, &fresh, "Strict", 12 * 3600);
                (fresh, Some(set))
            }
        }
    }
}

/// Whether a submitted form's CSRF token matches the visitor's cookie.
pub(crate) fn csrf_ok(pages: &Pages, headers: &HeaderMap, submitted: Option<&str>) -> bool {
    match (cookie(headers, &pages.cookie_name(CSRF_COOKIE)), submitted) {
        (Some(expected), Some(submitted)) => !expected.is_empty() && same(expected, submitted),
        _ => false,
    }
}

/// The value of cookie `name`.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// A `303 See Other` to `location`.
pub(crate) fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => (
            StatusCode::BAD_REQUEST,
            "the redirect target is not a valid header",
        )
            .into_response(),
    }
}
