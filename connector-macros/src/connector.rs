//! `#[erp_connector]`: parse the arguments and the item (the connector's struct or enum, or its
//! `impl ErpConnector`), validate both, expand.
//!
//! On the type, it registers the connector (application id, name) and leaves the methods to
//! rustc. On the impl, it also checks what rustc does not: names the framework owns (with what
//! to write instead) and a session type without `open_session`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ItemImpl, LitStr};

use crate::support::{ArgKeys, Errors, Timing, crate_path, debug_print, private};

/// Names a user may reach for that the framework handles itself, with the explanation.
const FRAMEWORK_OWNED: &[(&str, &str)] = &[
    ("get_config_data", "the configuration fields come from `#[derive(ConnectionConfig)]` on your `Config` type"),
    ("save_connection", "the framework stores connections itself; implement `connection_saved` to act on a save"),
    ("delete_connection", "the framework deletes connections itself; implement `connection_deleted` to clean up"),
    ("test_config_data", "implement `test_config`: it gets the parsed, unsaved configuration"),
    (
        "stream_actors_by_timestamp",
        "implement `get_actors_by_timestamp`: it answers an `ActorStream`, streamed as written",
    ),
];

const ARGS: &[&str] = &["app_id", "name", "crate"];

struct Args {
    app_id: Option<LitStr>,
    name: Option<LitStr>,
    krate: Option<syn::Path>,
}

fn parse_args(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args { app_id: None, name: None, krate: None };
    let mut keys = ArgKeys::new("#[erp_connector]", ARGS);
    let parser = syn::meta::parser(|meta| {
        match keys.key(&meta)? {
            "app_id" => args.app_id = Some(meta.value()?.parse()?),
            "name" => args.name = Some(meta.value()?.parse()?),
            _ => args.krate = Some(crate_path(&meta)?),
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, tokens) {
        errors.push(e);
    }
    args
}

fn check_app_id(app_id: &Option<LitStr>, errors: &mut Errors) {
    match app_id {
        None => errors.push(syn::Error::new(
            Span::call_site(),
            "#[erp_connector] needs `app_id = \"...\"`: your application's SuperOffice client id (32 hex characters)",
        )),
        Some(lit) => {
            let value = lit.value();
            if value.len() != 32 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                errors.add(
                    lit,
                    format!(
                        "app_id must be a SuperOffice client id: 32 hexadecimal characters, e.g. \
                         \"6cf25376616343b38d14ddcd804f2891\" (this one has {} characters{})",
                        value.chars().count(),
                        if value.bytes().all(|b| b.is_ascii_hexdigit()) { "" } else { ", not all hexadecimal" }
                    ),
                );
            }
        }
    }
}

/// The connector name: `name = "..."`, else the type's name in lower case.
fn connector_name(args: &Args, self_ty: &syn::Type, errors: &mut Errors) -> String {
    let name = match &args.name {
        Some(lit) => lit.value(),
        None => match self_ty {
            syn::Type::Path(p) => {
                p.path.segments.last().map(|s| s.ident.to_string().to_lowercase()).unwrap_or_default()
            }
            _ => String::new(),
        },
    };
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !valid {
        let span = args.name.as_ref().map(|l| l.span()).unwrap_or_else(|| self_ty.span());
        errors.push(syn::Error::new(
            span,
            format!(
                "connector name `{name}` cannot be used in `?ConnectorName=`: use letters, digits, `_`, `-` or `.`"
            ),
        ));
    }
    name
}

/// Checks each method for what rustc does not explain well: names the framework owns (with
/// what to write instead), a method that is not `async`, a receiver other than `&self`, and a
/// session type without `open_session`. Unknown names and parameter lists are rustc's to check
/// against the trait (the runtime's table of methods). Returns the indices of items to drop
/// from the re-emitted impl, so that only our error shows.
fn check_methods(item: &ItemImpl, errors: &mut Errors) -> Vec<usize> {
    let mut drop = Vec::new();
    for (index, impl_item) in item.items.iter().enumerate() {
        let ImplItem::Fn(f) = impl_item else { continue };
        if let Some(error) = method_error(f) {
            errors.push(error);
            drop.push(index);
        }
    }
    // A session type opened by nobody: every call would answer "cannot open a session".
    let opens = item.items.iter().any(|i| matches!(i, ImplItem::Fn(f) if f.sig.ident == "open_session"));
    if let Some(session) = session_type(item)
        && !opens
    {
        errors.add(
            session,
            format!(
                "a connector with the session type `{}` must implement `async fn open_session(&self, conn: \
                 &Connection<Self::Config>) -> ConnectorResult<{0}>` (log in to the ERP); without sessions, \
                 write `impl ErpConnector for ...`",
                session.to_token_stream()
            ),
        );
    }
    drop
}

/// What is wrong with one method of the impl, if anything the macro explains.
fn method_error(f: &syn::ImplItemFn) -> Option<syn::Error> {
    let name = f.sig.ident.to_string();
    let stripped = name.trim_start_matches("ws_");
    if let Some((_, why)) = FRAMEWORK_OWNED.iter().find(|(n, _)| *n == stripped) {
        return Some(syn::Error::new(f.sig.ident.span(), format!("`{name}` is not an ErpConnector method: {why}")));
    }
    if f.sig.asyncness.is_none() {
        return Some(syn::Error::new(f.sig.fn_token.span, format!("`{name}` must be an `async fn`")));
    }
    match f.sig.inputs.first() {
        Some(FnArg::Receiver(r)) if matches!(r.kind, syn::ReceiverKind::Reference(_, _, None)) => None,
        Some(other) => Some(syn::Error::new_spanned(
            other,
            format!("`{name}` takes `&self` first: the connector is shared by all requests"),
        )),
        None => Some(syn::Error::new_spanned(&f.sig, format!("`{name}` takes `&self` first"))),
    }
}

/// `S` of `impl ErpConnector<S> for ...`.
fn session_type(item: &ItemImpl) -> Option<&syn::GenericArgument> {
    let (path, _) = item.trait_.as_ref()?;
    match &path.segments.last()?.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.first(),
        _ => None,
    }
}

fn is_erp_connector_trait(item: &ItemImpl) -> bool {
    item.trait_.as_ref().and_then(|(path, _)| path.segments.last()).is_some_and(|s| s.ident == "ErpConnector")
}

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut timing = Timing::start("#[erp_connector]");
    let mut errors = Errors::default();
    let item = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Impl(item)) => Placement::Impl(item),
        Ok(syn::Item::Struct(item)) => {
            Placement::Type(item.ident.clone(), item.generics.clone(), item.into_token_stream())
        }
        Ok(syn::Item::Enum(item)) => {
            Placement::Type(item.ident.clone(), item.generics.clone(), item.into_token_stream())
        }
        other => {
            let what = match other {
                Ok(syn::Item::Fn(_)) => "a function",
                Ok(syn::Item::Trait(_)) => "a trait",
                Ok(syn::Item::Mod(_)) => "a module",
                _ => "this item",
            };
            let error = syn::Error::new(
                Span::call_site(),
                format!("#[erp_connector] cannot be put on {what}: put it on your connector's struct"),
            )
            .to_compile_error();
            return quote!(#input #error);
        }
    };
    let args = parse_args(args, &mut errors);
    let private = private(&args.krate);
    timing.mark("parse");
    check_app_id(&args.app_id, &mut errors);
    let (item, self_ty, generics): (TokenStream, syn::Type, syn::Generics) = match item {
        Placement::Type(ident, generics, tokens) => {
            let (_, type_generics, _) = generics.split_for_impl();
            (tokens, syn::parse_quote!(#ident #type_generics), generics)
        }
        Placement::Impl(mut item) => {
            if !is_erp_connector_trait(&item) {
                let found = match &item.trait_ {
                    Some((path, _)) => format!("this impl is of `{}`", path.to_token_stream()),
                    None => "this is an inherent impl".to_owned(),
                };
                let error = syn::Error::new(
                    item.self_ty.span(),
                    format!("#[erp_connector] goes on your connector's struct or on `impl ErpConnector for YourType`; {found}"),
                )
                .to_compile_error();
                return quote!(#item #error);
            }
            for index in check_methods(&item, &mut errors).into_iter().rev() {
                item.items.remove(index);
            }
            // Methods answer plain values (`ConnectorResult<Vec<ErpActor>>`) where the trait
            // declares `impl IntoReply<..>`: that refinement is the intended shape, not a slip.
            item.attrs.push(syn::parse_quote!(#[allow(refining_impl_trait)]));
            let has_config = item.items.iter().any(|i| matches!(i, ImplItem::Type(t) if t.ident == "Config"));
            if !has_config {
                item.items.push(syn::parse_quote!(type Config = #private::NoConfig;));
            }
            let (self_ty, generics) = ((*item.self_ty).clone(), item.generics.clone());
            (item.into_token_stream(), self_ty, generics)
        }
    };
    let name = connector_name(&args, &self_ty, &mut errors);
    timing.mark("checks");

    let app_id = args.app_id.as_ref().map(LitStr::value).unwrap_or_default();
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let expanded = quote! {
        #item
        #[automatically_derived]
        impl #impl_generics #private::Registered for #self_ty #where_clause {
            const APP_ID: &'static str = #app_id;
            const NAME: &'static str = #name;
        }
    };
    let errors = errors.to_compile_errors();
    debug_print("#[erp_connector]", &name, &expanded);
    let output = quote!(#expanded #errors);
    timing.mark("expand");
    timing.report(&name);
    output
}

/// Where the attribute is.
enum Placement {
    /// On the connector's struct or enum: its name, generics and tokens.
    Type(syn::Ident, syn::Generics, TokenStream),
    /// On `impl ErpConnector for T`.
    Impl(ItemImpl),
}
