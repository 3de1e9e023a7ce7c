//! What the command line's log and trace layers let through: `RUST_LOG`, else a default, and
//! a filter wrapper that keeps tracing-subscriber's per-layer filtering from losing spans.

use tracing::Metadata;
use tracing::level_filters::LevelFilter;
use tracing::span;
use tracing::subscriber::Interest;
use tracing_subscriber::layer::{Context, Filter};

/// `RUST_LOG`, else `default`; rmcp held to `warn` (it logs every stateless request at `info`).
pub(crate) fn from_env(default: &str) -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{default},rmcp=warn")))
}

/// A per-layer filter asked at every span and event, never only once per call site.
///
/// tracing-subscriber carries a per-layer filter's decision from `enabled` to `on_new_span`
/// in a thread-local. For a call site whose interest is cached as "always", `enabled` is
/// skipped, and `on_new_span` reads whatever the last `enabled` call (for anything else, say
/// a `tracing::enabled!` check) left there: the span is then lost to the layer, and a request
/// exported to OpenTelemetry has no span (tokio-rs/tracing#2519). Answering "sometimes" where
/// the filter says "always" makes every span ask, so the thread-local is always its own.
pub(crate) struct Fresh<F>(pub(crate) F);

impl<F: Filter<S>, S> Filter<S> for Fresh<F> {
    fn enabled(&self, meta: &Metadata<'_>, cx: &Context<'_, S>) -> bool {
        self.0.enabled(meta, cx)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        let interest = self.0.callsite_enabled(meta);
        if interest.is_always() {
            Interest::sometimes()
        } else {
            interest
        }
    }

    fn event_enabled(&self, event: &tracing::Event<'_>, cx: &Context<'_, S>) -> bool {
        self.0.event_enabled(event, cx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.0.max_level_hint()
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, cx: Context<'_, S>) {
        self.0.on_new_span(attrs, id, cx);
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, cx: Context<'_, S>) {
        self.0.on_record(id, values, cx);
    }

    fn on_enter(&self, id: &span::Id, cx: Context<'_, S>) {
        self.0.on_enter(id, cx);
    }

    fn on_exit(&self, id: &span::Id, cx: Context<'_, S>) {
        self.0.on_exit(id, cx);
    }

    fn on_close(&self, id: span::Id, cx: Context<'_, S>) {
        self.0.on_close(id, cx);
    }
}

#[cfg(test)]
mod tests {
    use tracing::callsite::Callsite as _;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::registry::Registry;

    use super::*;

    /// The metadata of a `debug` span with `target`.
    fn span_at(target: &'static str) -> &'static Metadata<'static> {
        macro_rules! site {
            ($target:literal) => {{
                struct Site;
                static SITE: Site = Site;
                static META: Metadata<'static> = tracing::metadata! {
                    name: "request",
                    target: $target,
                    level: tracing::Level::DEBUG,
                    fields: &[],
                    callsite: &SITE,
                    kind: tracing::metadata::Kind::SPAN,
                };
                impl tracing::callsite::Callsite for Site {
                    fn set_interest(&self, _: Interest) {}
                    fn metadata(&self) -> &Metadata<'_> {
                        &META
                    }
                }
                SITE.metadata()
            }};
        }
        match target {
            "wanted" => site!("wanted"),
            _ => site!("unwanted"),
        }
    }

    #[test]
    fn a_call_site_the_filter_always_wants_is_asked_every_time() {
        let targets = Targets::new().with_target("wanted", tracing::Level::DEBUG);
        let plain = <Targets as Filter<Registry>>::callsite_enabled(&targets, span_at("wanted"));
        assert!(plain.is_always(), "the filter itself caches it");
        let fresh = Fresh(targets);
        let wanted =
            <Fresh<Targets> as Filter<Registry>>::callsite_enabled(&fresh, span_at("wanted"));
        assert!(wanted.is_sometimes());
        let unwanted =
            <Fresh<Targets> as Filter<Registry>>::callsite_enabled(&fresh, span_at("unwanted"));
        assert!(
            unwanted.is_never(),
            "a call site it never wants is still skipped"
        );
    }
}
