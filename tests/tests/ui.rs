//! Compile-time behaviour of `#[tool]`, `#[resource]` and `#[prompt]`: what compiles, and the
//! errors for what does not.
//!
//! Regenerate the expected errors with `TRYBUILD=overwrite cargo test -p mcp-kit-tests --test ui`,
//! then read every changed `.stderr`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
