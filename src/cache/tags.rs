//! What a cached answer is about, so that it can be found again when content changes: the
//! `_path` values in its body (the fragments it shows, as GraphQL's `_path` and AEM's events name
//! them), the Content Fragment models it lists, and the persisted query that produced it. An
//! invalidation ([`Selector`]) names paths, path prefixes, models or queries, or everything.
//!
//! **Models.** A list answer must hear about a fragment created in its model, whose path it does
//! not hold yet. AEM names a model's list fields after the model (`adventureList`,
//! `adventurePaginated` for the model `…/cfm/models/adventure`), so an answer is tagged with the
//! model of every field name ending in `List` or `Paginated` that it holds (wherever it stands:
//! more tags only mean more revalidation), and with the models the app declared for its query
//! (for aliased fields). Model names compare by [`model_name`]: the last segment of a model's
//! path or name, lower-cased, letters and digits only, so `/conf/site/settings/dam/cfm/models/
//! article-page` matches `articlePageList`.

use memchr::memmem;

/// The tags of one answer. Paths are kept sorted and once each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    paths: Box<[Box<str>]>,
    /// Model names ([`model_name`]), sorted, once each.
    models: Box<[Box<str>]>,
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
    /// Content Fragment models, by path or name (compared by [`model_name`]).
    pub models: Vec<String>,
    /// Persisted queries, `conf/name`.
    pub queries: Vec<String>,
    /// Every entry.
    pub all: bool,
    /// Only the entries whose content has not changed since this time (epoch milliseconds):
    /// the same `ETag` (or body) since then, however often revalidated.
    pub unchanged_since: Option<u64>,
}

impl Selector {
    /// Whether it reaches nothing at all (no path, prefix or query, and not `all`).
    pub fn is_empty(&self) -> bool {
        !self.all
            && self.paths.is_empty()
            && self.prefixes.is_empty()
            && self.models.is_empty()
            && self.queries.is_empty()
    }
}

/// The name whose values are paths, as it stands in a JSON body.
const PATH_NAME: &[u8] = b"\"_path\"";

/// How AEM's list fields of a model end, with the name's closing quote.
const LIST_ENDINGS: [&[u8]; 2] = [b"List\"", b"Paginated\""];

/// A model's name as tags compare it: the last `/` segment of `model` (a model's path, its name,
/// or a GraphQL name before `List`), lower-cased, its ASCII letters and digits only.
pub fn model_name(model: &str) -> String {
    let last = model.rsplit('/').next().unwrap_or(model);
    last.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Tags {
    /// The tags of `body` (JSON text), an answer of the persisted query `query` for which the
    /// app declared `declared_models`. The scan looks for `"_path"` followed by `:` and a string,
    /// wherever it stands (a value with escapes is decoded as JSON), and for names ending in
    /// `List` or `Paginated` followed by `:`.
    pub fn of(body: &str, query: Option<&str>, declared_models: &[String]) -> Self {
        let bytes = body.as_bytes();
        let mut paths: Vec<Box<str>> = memmem::find_iter(bytes, PATH_NAME)
            .filter_map(|at| string_value_after(body, at + PATH_NAME.len()))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        let mut models: Vec<Box<str>> = LIST_ENDINGS
            .iter()
            .flat_map(|ending| {
                memmem::find_iter(bytes, ending)
                    .filter_map(|at| list_field_model(body, at, ending.len()))
            })
            .chain(declared_models.iter().map(|model| model_name(model)))
            .filter(|name| !name.is_empty())
            .map(String::into_boxed_str)
            .collect();
        models.sort_unstable();
        models.dedup();
        Self {
            paths: paths.into_boxed_slice(),
            models: models.into_boxed_slice(),
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
        if selector.models.iter().any(|model| {
            let wanted = model_name(model);
            self.models.iter().any(|held| **held == *wanted)
        }) {
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

    /// The model names found or declared ([`model_name`]), sorted.
    pub fn models(&self) -> impl Iterator<Item = &str> {
        self.models.iter().map(|model| &**model)
    }

    /// The persisted query, `conf/name`.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }
}

/// The model of the name whose ending (`List"` or `Paginated"`, `ending` bytes) starts at
/// `body[at]`, when that name is a GraphQL name followed by `:` (a JSON object's key).
fn list_field_model(body: &str, at: usize, ending: usize) -> Option<String> {
    let after = body.get(at + ending..)?.trim_start();
    if !after.starts_with(':') {
        return None;
    }
    let before = body.get(..at)?;
    let start = before.rfind('"')? + 1;
    let name = &before[start..];
    let graphql_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    graphql_name.then(|| model_name(name))
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
            ..Selector::default()
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
        let tags = Tags::of(body, Some("site/list"), &[]);
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
            Tags::of("not json at all \"_path\":", None, &[]),
            Tags::default()
        );
    }

    #[test]
    fn selectors_reach_paths_prefixes_queries_or_everything() {
        let tags = Tags::of(
            r#"{"data":{"a":{"_path":"/content/dam/site/en/a"}}}"#,
            Some("site/one"),
            &[],
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

    #[test]
    fn list_fields_and_declared_models_tag_answers_with_their_models() {
        let body = r#"{"data":{"adventureList":{"items":[{"_path":"/content/dam/a","teamList" : []}]},
            "article_pagePaginated":{"edges":[]},"note":"adventureList","List":1,"xList":"v",
            "bad-nameList":{}}}"#;
        let tags = Tags::of(
            body,
            None,
            &["/conf/site/settings/dam/cfm/models/Person".into()],
        );
        assert_eq!(
            tags.models().collect::<Vec<_>>(),
            ["adventure", "articlepage", "person", "team", "x"]
        );
        let by_model = |model: &str| Selector {
            models: vec![model.into()],
            ..Selector::default()
        };
        assert!(tags.matches(&by_model(
            "/conf/wknd-shared/settings/dam/cfm/models/adventure"
        )));
        assert!(tags.matches(&by_model("article-page")));
        assert!(tags.matches(&by_model("person")));
        assert!(!tags.matches(&by_model("/conf/site/settings/dam/cfm/models/venue")));
        assert!(!by_model("venue").is_empty());
        assert_eq!(
            model_name("/conf/a/settings/dam/cfm/models/Article-Page_2"),
            "articlepage2"
        );
    }
}
