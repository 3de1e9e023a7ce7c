//! URI template matching: any template and URI, and the rule finding 6 of the security review
//! set: a one-segment `{name}` never binds a value holding `/`, or one that is `.` or `..`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_kit::UriTemplate;

fuzz_target!(|input: (&str, &str)| {
    let (template, uri) = input;
    let Ok(parsed) = UriTemplate::parse(template) else {
        return;
    };
    let Some(bound) = parsed.matches(uri) else {
        return;
    };
    for (name, value) in bound {
        let whole_path = template.contains(&format!("{{+{name}}}"));
        if !whole_path {
            assert!(
                !value.contains('/'),
                "{{{name}}} bound {value:?} from {uri:?}"
            );
            assert!(value != "." && value != "..", "{{{name}}} bound {value:?}");
        }
    }
});
