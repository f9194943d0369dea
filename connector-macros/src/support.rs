//! Shared pieces: error collection, the runtime path, suggestions, debug printing.

use proc_macro2::TokenStream;
use quote::{ToTokens as _, quote};

/// Collects spanned errors so that all of them are reported at once.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub fn add(&mut self, span: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(span, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn to_compile_errors(&self) -> TokenStream {
        self.0.as_ref().map(syn::Error::to_compile_error).unwrap_or_default()
    }
}

/// The path of the runtime's macro interface, `::erp_connector::__private::v0_1` by default.
pub fn private(krate: &Option<syn::Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path::__private::v0_1),
        None => quote!(::erp_connector::__private::v0_1),
    }
}

/// The keys of one attribute's arguments, read one by one: each given once, an unknown one refused
/// with the closest known key as a suggestion and the list of known ones. One parser for every
/// attribute of the crate (`#[erp_connector]`, `#[connection_config]`, `#[config_list]`).
pub struct ArgKeys {
    attribute: &'static str,
    known: &'static [&'static str],
    seen: Vec<String>,
}

impl ArgKeys {
    /// The arguments of `attribute` (written as users write it, e.g. `#[erp_connector]`), which
    /// takes `known`.
    pub fn new(attribute: &'static str, known: &'static [&'static str]) -> ArgKeys {
        ArgKeys { attribute, known, seen: Vec::new() }
    }

    /// The key of `meta`, if known and not given before; else an error spanning it.
    pub fn key(&mut self, meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<&'static str> {
        let given =
            meta.path.get_ident().map(ToString::to_string).unwrap_or_else(|| meta.path.to_token_stream().to_string());
        let Some(key) = self.known.iter().copied().find(|k| *k == given) else {
            let hint = suggest(&given, self.known.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(meta.error(format!(
                "unknown argument `{given}`{hint} {} takes: {}",
                self.attribute,
                self.known.join(", ")
            )));
        };
        if self.seen.iter().any(|s| s == key) {
            return Err(meta.error(format!("`{key}` is given twice")));
        }
        self.seen.push(key.to_owned());
        Ok(key)
    }
}

/// The value of a `crate = "path"` argument: the path the generated code names the runtime by.
pub fn crate_path(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<syn::Path> {
    meta.value()?.parse::<syn::LitStr>()?.parse::<syn::Path>()
}

/// The candidate closest to `word`, if close enough to be a likely misspelling.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Prints the expansion when `ERP_CONNECTOR_MACROS_DEBUG` is set (to `1`, or to the item name).
pub fn debug_print(what: &str, name: &str, tokens: &TokenStream) {
    let Ok(flag) = std::env::var("ERP_CONNECTOR_MACROS_DEBUG") else { return };
    if flag.is_empty() || (flag != "1" && flag != name) {
        return;
    }
    let text = match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    };
    eprintln!("// ---- {what} for {name} ----\n{text}");
}

/// The item's doc comment, lines trimmed and joined with spaces ("" if none).
pub fn doc_text(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines.join(" ").trim().to_owned()
}

/// Times the phases of one expansion and prints them to stderr when
/// `ERP_CONNECTOR_MACROS_TIMING` is set: how the compile cost of the macros is measured
/// (docs/performance.md). Changes nothing in the expansion.
pub struct Timing {
    what: &'static str,
    started: Option<std::time::Instant>,
    last: Option<std::time::Instant>,
    phases: Vec<(&'static str, std::time::Duration)>,
}

impl Timing {
    pub fn start(what: &'static str) -> Self {
        let now = std::env::var_os("ERP_CONNECTOR_MACROS_TIMING").map(|_| std::time::Instant::now());
        Timing { what, started: now, last: now, phases: Vec::new() }
    }

    /// Ends the phase named `phase`.
    pub fn mark(&mut self, phase: &'static str) {
        if let Some(last) = self.last {
            let now = std::time::Instant::now();
            self.phases.push((phase, now - last));
            self.last = Some(now);
        }
    }

    pub fn report(&self, name: &str) {
        if let Some(started) = self.started {
            let phases: Vec<String> = self.phases.iter().map(|(p, d)| format!("{p} {} µs", d.as_micros())).collect();
            eprintln!("// {} for {name}: {} µs ({})", self.what, started.elapsed().as_micros(), phases.join(", "));
        }
    }
}
