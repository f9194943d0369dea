//! `#[derive(ConnectionConfig)]`: parse the struct and its `#[field(...)]` attributes, validate
//! (unique ranks and keys, a value for every required field), expand onto the runtime's
//! `config_derive` helpers, which do the parsing.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitInt, LitStr};

use crate::allow_pattern::pattern_fault;
use crate::support::{ArgKeys, Errors, Timing, crate_path, debug_print, doc_text, private};

const KEYS: &[&str] =
    &["display", "description", "rank", "key", "mandatory", "read_only", "default", "max_length", "list", "allow"];

struct Field {
    ident: syn::Ident,
    /// The value type (`T` of `Option<T>` for optional fields).
    ty: syn::Type,
    optional: bool,
    key: String,
    display: String,
    /// The doc comment, or `description = "..."` (then sent even when empty); `None`: nil.
    description: Option<String>,
    rank: i32,
    rank_span: Span,
    mandatory: bool,
    read_only: bool,
    default: Option<String>,
    /// A typed default (`default = 10`): checked against the field's type where it is written.
    typed_default: Option<syn::Expr>,
    /// Where the default is written.
    default_span: Option<Span>,
    max_length: i32,
    list: Option<String>,
    /// `allow = "p1 p2"`: the places a URL or host value may name.
    allow: Vec<String>,
}

fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

fn is_string(ty: &syn::Type) -> bool {
    last_ident_is(ty, "String")
}

/// `ErpAddress`: a place the connector connects to, which must have an allow-list. (A renamed
/// import is still caught, at the constant the derive asserts on the type's `ADDRESS`.)
fn is_address(ty: &syn::Type) -> bool {
    last_ident_is(ty, "ErpAddress")
}

fn last_ident_is(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

fn humanize(ident: &syn::Ident) -> String {
    let text = ident.to_string().replace('_', " ");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn parse_field(position: usize, f: &syn::Field, errors: &mut Errors) -> Option<Field> {
    let ident = f.ident.clone()?;
    let (ty, optional) = match option_inner(&f.ty) {
        Some(inner) => (inner.clone(), true),
        None => (f.ty.clone(), false),
    };
    let mut field = Field {
        key: ident.to_string().to_uppercase(),
        display: humanize(&ident),
        description: Some(doc_text(&f.attrs)).filter(|d| !d.is_empty()),
        rank: position as i32 + 1,
        rank_span: ident.span(),
        mandatory: false,
        read_only: false,
        default: None,
        typed_default: None,
        default_span: None,
        max_length: 0,
        list: None,
        allow: Vec::new(),
        ident,
        ty,
        optional,
    };
    let mut keys = ArgKeys::new("#[field(...)]", KEYS);
    let mut attribute_error = false;
    for attr in f.attrs.iter().filter(|a| a.path().is_ident("field")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = keys.key(&meta)?;
            field_attribute(&mut field, key, &meta)
        });
        if let Err(e) = result {
            attribute_error = true;
            errors.push(e);
        }
    }
    if attribute_error {
        // The rest of the attribute was not read: checks on it would only add noise.
        return Some(field);
    }
    check_field(&field, f, errors);
    Some(field)
}

/// Reads one `#[field(...)]` key into `field`.
fn field_attribute(field: &mut Field, key: &str, meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    match key {
        "display" => field.display = meta.value()?.parse::<LitStr>()?.value(),
        "description" => field.description = Some(meta.value()?.parse::<LitStr>()?.value()),
        "key" => field.key = meta.value()?.parse::<LitStr>()?.value(),
        "default" => {
            let expr: syn::Expr = meta.value()?.parse()?;
            field.default = Some(encoded_default(&expr)?);
            field.default_span = Some(expr.span());
            if !matches!(&expr, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(_), .. })) {
                field.typed_default = Some(expr);
            }
        }
        "list" => field.list = Some(meta.value()?.parse::<LitStr>()?.value()),
        "allow" => {
            let lit: LitStr = meta.value()?.parse()?;
            field.allow = lit.value().split_whitespace().map(str::to_owned).collect();
            if field.allow.is_empty() {
                return Err(syn::Error::new(
                    lit.span(),
                    "`allow` needs at least one pattern, e.g. \"https://*.erp.example\"",
                ));
            }
            if let Some((pattern, why)) = field.allow.iter().find_map(|p| pattern_fault(p).map(|why| (p, why))) {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "`{pattern}` is not an allow pattern: {why}; write a URL prefix (\"https://*.erp.example/api\") \
                         or a host (\"erp.example.com:8443\"), several separated by spaces"
                    ),
                ));
            }
        }
        "rank" => {
            let lit: LitInt = meta.value()?.parse()?;
            field.rank = lit.base10_parse()?;
            field.rank_span = lit.span();
        }
        "max_length" => field.max_length = meta.value()?.parse::<LitInt>()?.base10_parse()?,
        "mandatory" => field.mandatory = true,
        "read_only" => field.read_only = true,
        _ => unreachable!("ArgKeys returns only the keys it is given"),
    }
    Ok(())
}

/// A default as the wire writes it: a text as it is; a number, `[I:n]` or `[F:n]`; a bool,
/// `[I:1]` or `[I:0]`. A text in the wire encoding is refused: the typed form says the same.
fn encoded_default(expr: &syn::Expr) -> syn::Result<String> {
    let (negative, lit) = match expr {
        syn::Expr::Lit(l) => ("", &l.lit),
        syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) => match &**expr {
            syn::Expr::Lit(l) => ("-", &l.lit),
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "a default is a literal: `10`, `-1`, `1.5`, `true` or \"text\"",
                ));
            }
        },
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "a default is a literal: `10`, `-1`, `1.5`, `true` or \"text\"",
            ));
        }
    };
    match lit {
        syn::Lit::Str(s) => {
            let value = s.value();
            if let Some(typed) = typed_form(&value) {
                return Err(syn::Error::new(
                    s.span(),
                    format!(
                        "write the default as a value of the field's type: `default = {typed}` (the framework encodes it)"
                    ),
                ));
            }
            Ok(value)
        }
        syn::Lit::Int(i) => Ok(format!("[I:{negative}{}]", i.base10_digits())),
        syn::Lit::Float(f) => Ok(format!("[F:{negative}{}]", f.base10_digits())),
        syn::Lit::Bool(b) if negative.is_empty() => Ok(if b.value { "[I:1]" } else { "[I:0]" }.to_owned()),
        other => Err(syn::Error::new_spanned(other, "a default is a literal: `10`, `-1`, `1.5`, `true` or \"text\"")),
    }
}

/// The typed literal a wire-encoded text default stands for (`"[I:10]"` is `10`).
fn typed_form(value: &str) -> Option<String> {
    let inner = value.strip_prefix('[')?.strip_suffix(']')?;
    let (moniker, payload) = inner.split_once(':')?;
    match moniker.to_ascii_uppercase().as_str() {
        "I" | "F" => Some(payload.to_owned()),
        "DT" | "D" => Some(format!("\"{payload}\"")),
        _ => None,
    }
}

/// The checks between a field's attributes and its type.
fn check_field(field: &Field, f: &syn::Field, errors: &mut Errors) {
    let primitive = match &field.ty {
        syn::Type::Path(p) => p.path.get_ident().map(ToString::to_string).filter(|name| {
            matches!(
                name.as_str(),
                "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "f32" | "f64" | "bool"
            )
        }),
        _ => None,
    };
    if let (Some(name), Some(span), None) = (&primitive, field.default_span, &field.typed_default) {
        let example = match name.as_str() {
            "bool" => "true",
            "f32" | "f64" => "1.5",
            _ => "10",
        };
        errors.push(syn::Error::new(
            span,
            format!(
                "the default of a `{name}` field is a `{name}`, not text: write it as one, e.g. `default = {example}`"
            ),
        ));
    }
    if field.mandatory && field.read_only {
        errors.add(&f.ty, format!("`{}` cannot be both mandatory and read_only", field.ident));
    }
    if field.optional && field.mandatory {
        errors.add(&f.ty, format!("`{}` is an Option, so it cannot be mandatory: drop one of the two", field.ident));
    }
    if !field.optional && !field.mandatory && field.default.is_none() {
        errors.add(
            &f.ident,
            format!(
                "`{}` needs a value when the user leaves it empty: mark it `#[field(mandatory)]`, give it \
                 `#[field(default = ...)]` (a value of its type), or make it an `Option<_>`",
                field.ident
            ),
        );
    }
    if field.list.as_deref().is_some_and(|l| !l.is_empty()) && !is_string(&field.ty) {
        errors.add(
            &f.ty,
            "a `list` field holds the key of the chosen list item: its type must be `String` or `Option<String>`",
        );
    }
    if !field.allow.is_empty() && !is_string(&field.ty) && !is_address(&field.ty) {
        errors.add(
            &f.ty,
            "`allow` checks an address given as text: the field's type must be `String`, `ErpAddress` or an `Option` of one",
        );
    }
    if field.allow.is_empty() && is_address(&field.ty) {
        errors.add(
            &f.ty,
            "an `ErpAddress` is a place the connector connects to, and its value comes from whoever saves a \
             connection: give the field the places its operator allows, e.g. \
             `#[field(allow = \"https://*.erp.example\")]` or `#[field(allow = \"${ERP_ALLOWED_URLS}\")]`",
        );
    }
    if field.max_length < 0 {
        errors.add(&f.ty, "max_length cannot be negative (0 means unlimited)");
    }
}

/// The errors, and a stub impl that keeps the rest of the program free of follow-up errors (a
/// `type Config = X` elsewhere still finds its `ConnectionConfig`).
fn stub_with_errors(ident: &syn::Ident, private: &TokenStream, errors: Errors) -> TokenStream {
    let stub = quote! {
        impl #private::ConnectionConfig for #ident {
            fn fields() -> #private::Vec<#private::FieldMetadata> { #private::Vec::new() }
            fn from_info_in(_: &#private::StringDict, _: &#private::Variables) -> #private::Result<Self, #private::ConfigError> { ::core::unimplemented!() }
            fn to_info(&self) -> #private::StringDict { #private::StringDict::new() }
            fn secret_keys() -> #private::Vec<&'static str> { #private::Vec::new() }
        }
    };
    let errors = errors.to_compile_errors();
    quote!(#stub #errors)
}

/// `crate = "..."` of `#[connection_config(...)]`, if given.
fn container_crate(input: &DeriveInput, errors: &mut Errors) -> Option<syn::Path> {
    let mut krate = None;
    let mut keys = ArgKeys::new("#[connection_config(...)]", &["crate"]);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("connection_config")) {
        let result = attr.parse_nested_meta(|meta| {
            keys.key(&meta)?;
            krate = Some(crate_path(&meta)?);
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    krate
}

/// Ranks and keys are unique (SuperOffice requires it of ranks; keys name the stored values).
fn check_unique(fields: &[Field], errors: &mut Errors) {
    for (i, f) in fields.iter().enumerate() {
        if let Some(first) = fields[..i].iter().find(|g| g.rank == f.rank) {
            errors.push(syn::Error::new(
                f.rank_span,
                format!("rank {} is also used by `{}`: SuperOffice requires unique ranks", f.rank, first.ident),
            ));
        }
        if let Some(first) = fields[..i].iter().find(|g| g.key == f.key) {
            errors.add(&f.ident, format!("key `{}` is also used by `{}`", f.key, first.ident));
        }
    }
}

/// The `FieldSpec` of one field, as a constant expression.
fn field_spec(f: &Field, private: &TokenStream) -> TokenStream {
    let (key, display, rank, max_length) = (&f.key, &f.display, f.rank, f.max_length);
    let description = match &f.description {
        Some(d) => quote!(#private::Option::Some(#d)),
        None => quote!(#private::Option::None),
    };
    let access = if f.mandatory {
        quote!(Mandatory)
    } else if f.read_only {
        quote!(ReadOnly)
    } else {
        quote!(Normal)
    };
    let default = match &f.default {
        Some(d) => quote!(#private::Option::Some(#d)),
        None => quote!(#private::Option::None),
    };
    let list = match &f.list {
        Some(l) => quote!(#private::Option::Some(#l)),
        None => quote!(#private::Option::None),
    };
    let allow = &f.allow;
    quote! {
        #private::FieldSpec {
            key: #key, display: #display, description: #description, rank: #rank,
            access: #private::FieldAccess::#access, default: #default, max_length: #max_length, list: #list,
            allow: &[#(#allow),*],
        }
    }
}

/// The constants and the `ConnectionConfig` impl of a checked configuration struct.
fn generate(ident: &syn::Ident, fields: &[Field], private: &TokenStream) -> TokenStream {
    let count = fields.len();
    let specs = fields.iter().map(|f| field_spec(f, private));
    let ops = fields.iter().map(|f| {
        let ty = &f.ty;
        quote_spanned!(ty.span()=> #private::ops::<#ty>())
    });
    let ops_types = fields.iter().map(|f| {
        let ty = &f.ty;
        quote!(#private::FieldOps<#ty>)
    });
    let index = (0..fields.len()).map(syn::Index::from).collect::<Vec<_>>();
    let parse = fields.iter().zip(&index).map(|(f, i)| {
        let name = &f.ident;
        let helper = if f.optional { quote!(optional) } else { quote!(required) };
        quote!(#name: #private::#helper(info, variables, &SPECS[#i], &OPS.#i)?)
    });
    let keys = fields.iter().map(|f| &f.key);
    // Through OPS, as parsing is: an unsupported type stays one error.
    let to_info = fields.iter().zip(&index).map(|(f, i)| {
        let (name, key) = (&f.ident, &f.key);
        if f.optional {
            quote!(if let #private::Option::Some(value) = &self.#name { info.insert(#key, (OPS.#i.to_value)(value)); })
        } else {
            quote!(info.insert(#key, (OPS.#i.to_value)(&self.#name));)
        }
    });
    // A typed default has the field's type: rustc says so where it is written.
    let default_checks = fields.iter().filter_map(|f| {
        let (ty, expr) = (&f.ty, f.typed_default.as_ref()?);
        Some(quote_spanned!(expr.span()=> const _: #ty = #expr;))
    });
    // An address type under another name, without an allow-list: refused at compile time too.
    let address_checks = fields.iter().zip(&index).filter(|(f, _)| f.allow.is_empty()).map(|(f, i)| {
        quote_spanned!(f.ty.span()=> const _: () = ::core::assert!(
            !OPS.#i.address,
            "this field names a place the connector connects to: give it #[field(allow = \"...\")]"
        );)
    });
    quote! {
        const _: () = {
            #(#default_checks)*
            const SPECS: [#private::FieldSpec; #count] = [#(#specs),*];
            // Each field type's capabilities, taken once: an unsupported type is one error.
            const OPS: (#(#ops_types,)*) = (#(#ops,)*);
            #(#address_checks)*
            #[automatically_derived]
            impl #private::ConnectionConfig for #ident {
                fn fields() -> #private::Vec<#private::FieldMetadata> {
                    #private::Vec::from([#(#private::metadata(&SPECS[#index], &OPS.#index)),*])
                }
                fn from_info_in(
                    info: &#private::StringDict,
                    variables: &#private::Variables,
                ) -> #private::Result<Self, #private::ConfigError> {
                    let _ = variables;
                    #private::Result::Ok(Self { #(#parse),* })
                }
                fn to_info(&self) -> #private::StringDict {
                    let mut info = #private::StringDict::new();
                    #(#to_info)*
                    info
                }
                fn secret_keys() -> #private::Vec<&'static str> {
                    let mut keys = #private::Vec::new();
                    #(if OPS.#index.secret { keys.push(#keys); })*
                    keys
                }
                fn lists() -> #private::Vec<&'static #private::ConfigList> {
                    let mut lists: #private::Vec<&'static #private::ConfigList> = #private::Vec::new();
                    #(
                        if let #private::Option::Some(list) = OPS.#index.list {
                            if !lists.iter().any(|l| l.name == list.name) {
                                lists.push(list);
                            }
                        }
                    )*
                    lists
                }
            }
        };
    }
}

pub fn expand(input: TokenStream) -> TokenStream {
    let mut timing = Timing::start("#[derive(ConnectionConfig)]");
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    timing.mark("parse");
    let mut errors = Errors::default();
    let krate = container_crate(&input, &mut errors);
    let private = private(&krate);
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(n) => Some(&n.named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        errors.add(
            &input.ident,
            "ConnectionConfig can be derived for a struct with named fields only (one field per configuration value)",
        );
        return stub_with_errors(&input.ident, &private, errors);
    };
    if !input.generics.params.is_empty() {
        errors.add(&input.generics, "ConnectionConfig cannot be derived for a generic struct");
    }
    let fields: Vec<Field> = named.iter().enumerate().filter_map(|(i, f)| parse_field(i, f, &mut errors)).collect();
    check_unique(&fields, &mut errors);
    if !errors.is_empty() {
        return stub_with_errors(&input.ident, &private, errors);
    }

    let ident = &input.ident;
    let expanded = generate(ident, &fields, &private);
    debug_print("#[derive(ConnectionConfig)]", &ident.to_string(), &expanded);
    timing.mark("checks and expansion");
    timing.report(&ident.to_string());
    expanded
}
