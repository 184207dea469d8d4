//! What a cached answer is about, so that it can be found again when content changes: the
//! `_path` values in its body (the fragments it shows, as GraphQL's `_path` and AEM's events name
//! them) and the persisted query that produced it. An invalidation ([`Selector`]) names paths,
//! path prefixes or queries, or everything.

use memchr::memmem;

/// The tags of one answer. Paths are kept sorted and once each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    paths: Box<[Box<str>]>,
    query: Option<Box<str>>,
}

/// What an invalidation reaches: entries holding any of `paths`, a path under any of
/// `prefixes`, or an answer of any of `queries` (`conf/name`); with `all`, every entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// Exact `_path` values.
    pub paths: Vec<String>,
    /// Path prefixes: `/content/dam/site/en/` reaches everything under it.
    pub prefixes: Vec<String>,
    /// Persisted queries, `conf/name`.
    pub queries: Vec<String>,
    /// Every entry.
    pub all: bool,
}

impl Selector {
    /// Whether it reaches nothing at all (no path, prefix or query, and not `all`).
    pub fn is_empty(&self) -> bool {
        !self.all && self.paths.is_empty() && self.prefixes.is_empty() && self.queries.is_empty()
    }
}

/// The name whose values are paths, as it stands in a JSON body.
const PATH_NAME: &[u8] = b"\"_path\"";

impl Tags {
    /// The tags of `body` (JSON text), an answer of the persisted query `query`. The scan looks
    /// for `"_path"` followed by `:` and a string, wherever it stands; a value with escapes is
    /// decoded as JSON.
    pub fn of(body: &str, query: Option<&str>) -> Self {
        let bytes = body.as_bytes();
        let mut paths: Vec<Box<str>> = memmem::find_iter(bytes, PATH_NAME)
            .filter_map(|at| string_value_after(body, at + PATH_NAME.len()))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        Self {
            paths: paths.into_boxed_slice(),
            query: query.map(Box::from),
        }
    }

    /// Whether `selector` reaches the answer these tags describe.
    pub fn matches(&self, selector: &Selector) -> bool {
        if selector.all {
            return true;
        }
        if let Some(query) = &self.query
            && selector
                .queries
                .iter()
                .any(|wanted| wanted.as_str() == &**query)
        {
            return true;
        }
        selector.paths.iter().any(|path| {
            self.paths
                .binary_search_by(|held| (**held).cmp(path.as_str()))
                .is_ok()
        }) || selector.prefixes.iter().any(|prefix| {
            self.paths
                .iter()
                .any(|held| held.starts_with(prefix.as_str()))
        })
    }

    /// The paths found, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(|path| &**path)
    }

    /// The persisted query, `conf/name`.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }
}

/// The JSON string that follows `body[from..]` after optional whitespace, a `:` and optional
/// whitespace; `None` when something else follows.
fn string_value_after(body: &str, from: usize) -> Option<Box<str>> {
    let rest = body.get(from..)?.trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    let inner = rest.strip_prefix('"')?;
    let end = inner.find(['"', '\\'])?;
    if inner.as_bytes()[end] == b'"' {
        return Some(Box::from(&inner[..end]));
    }
    // Escapes: the whole string, decoded as JSON.
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
    stream.next()?.ok().map(String::into_boxed_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector(paths: &[&str], prefixes: &[&str], queries: &[&str]) -> Selector {
        let owned = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect();
        Selector {
            paths: owned(paths),
            prefixes: owned(prefixes),
            queries: owned(queries),
            all: false,
        }
    }

    #[test]
    fn paths_are_found_wherever_they_stand_once_each_with_escapes_decoded() {
        let body = r#"{"data":{"list":{"items":[
            {"_path":"/content/dam/site/en/a","title":"A","nested":{"_path" : "/content/dam/site/en/b"}},
            {"_path":"/content/dam/site/en/a"},
            {"_path":"/content/dam/site/fr/caf\u00e9\/x"},
            {"_path":null},{"_path":17},{"note":"the word \"_path\" in a text"}
        ]}}}"#;
        let tags = Tags::of(body, Some("site/list"));
        assert_eq!(
            tags.paths().collect::<Vec<_>>(),
            [
                "/content/dam/site/en/a",
                "/content/dam/site/en/b",
                "/content/dam/site/fr/café/x"
            ]
        );
        assert_eq!(tags.query(), Some("site/list"));
        assert_eq!(
            Tags::of("not json at all \"_path\":", None),
            Tags::default()
        );
    }

    #[test]
    fn selectors_reach_paths_prefixes_queries_or_everything() {
        let tags = Tags::of(
            r#"{"data":{"a":{"_path":"/content/dam/site/en/a"}}}"#,
            Some("site/one"),
        );
        assert!(tags.matches(&selector(&["/content/dam/site/en/a"], &[], &[])));
        assert!(!tags.matches(&selector(&["/content/dam/site/en"], &[], &[])));
        assert!(tags.matches(&selector(&[], &["/content/dam/site/"], &[])));
        assert!(!tags.matches(&selector(&[], &["/content/dam/other/"], &[])));
        assert!(tags.matches(&selector(&[], &[], &["site/one"])));
        assert!(!tags.matches(&selector(&[], &[], &["site/two"])));
        assert!(tags.matches(&Selector {
            all: true,
            ..Selector::default()
        }));
        assert!(Selector::default().is_empty());
        assert!(!Tags::default().matches(&selector(&["/x"], &["/"], &["q"])));
    }
}
