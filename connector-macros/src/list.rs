//! `#[derive(ConfigList)]`: a fieldless enum as the fixed list of a configuration field.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::support::{ArgKeys, Errors, crate_path, debug_print, doc_text, private};

/// The errors, and a stub impl that keeps the rest of the program free of follow-up errors (a
/// config field of this type still finds its `ConfigValue`).
fn stub_with_errors(ident: &syn::Ident, private: &TokenStream, errors: Errors) -> TokenStream {
    let stub = quote! {
        impl #private::ConfigValue for #ident {
            const FIELD_TYPE: #private::FieldType = #private::FieldType::List;
            const LIST: #private::Option<&'static #private::ConfigList> = #private::Option::None;
            fn parse_value(_: &str) -> #private::Result<Self, ::std::string::String> { ::core::unimplemented!() }
            fn to_value(&self) -> ::std::string::String { ::core::unimplemented!() }
        }
    };
    let errors = errors.to_compile_errors();
    quote!(#stub #errors)
}

/// `#[config_list(...)]`: the list's name (the enum's by default) and `crate`.
fn container_args(input: &DeriveInput, errors: &mut Errors) -> (String, Option<syn::Path>) {
    let (mut name, mut krate) = (input.ident.to_string(), None);
    let mut keys = ArgKeys::new("#[config_list(...)]", &["name", "crate"]);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("config_list")) {
        let result = attr.parse_nested_meta(|meta| {
            match keys.key(&meta)? {
                "name" => name = meta.value()?.parse::<LitStr>()?.value(),
                _ => krate = Some(crate_path(&meta)?),
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    (name, krate)
}

/// One variant's list item: its key (the variant's name, or `#[item(key = "...")]`) and
/// display text (its doc comment, or `#[item(display = "...")]`).
fn item(variant: &syn::Variant, errors: &mut Errors) -> (String, String) {
    let mut key = variant.ident.to_string();
    let doc = doc_text(&variant.attrs);
    let mut display = if doc.is_empty() { variant.ident.to_string() } else { doc };
    let mut keys = ArgKeys::new("#[item(...)]", &["key", "display"]);
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("item")) {
        let result = attr.parse_nested_meta(|meta| {
            match keys.key(&meta)? {
                "key" => key = meta.value()?.parse::<LitStr>()?.value(),
                _ => display = meta.value()?.parse::<LitStr>()?.value(),
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    (key, display)
}

pub fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let ident = &input.ident;
    let (name, krate) = container_args(&input, &mut errors);
    let private = private(&krate);
    let Data::Enum(data) = &input.data else {
        errors.add(ident, "ConfigList can be derived for an enum without fields only (one variant per list item)");
        return stub_with_errors(ident, &private, errors);
    };
    let mut items: Vec<(syn::Ident, String, String)> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            errors.add(&variant.fields, "a ConfigList variant is one list item and carries no fields");
            continue;
        }
        let (key, display) = item(variant, &mut errors);
        if let Some((first, _, _)) = items.iter().find(|(_, k, _)| *k == key) {
            errors.add(&variant.ident, format!("key `{key}` is also used by `{first}`"));
        }
        items.push((variant.ident.clone(), key, display));
    }
    if items.is_empty() && errors.is_empty() {
        errors.add(ident, "a ConfigList needs at least one variant");
    }
    if !errors.is_empty() {
        return stub_with_errors(ident, &private, errors);
    }
    let expanded = generate(ident, &name, &items, &private);
    debug_print("#[derive(ConfigList)]", &ident.to_string(), &expanded);
    expanded
}

/// The list's static and the enum's `ConfigValue` impl.
fn generate(
    ident: &syn::Ident,
    name: &str,
    items: &[(syn::Ident, String, String)],
    private: &TokenStream,
) -> TokenStream {
    let pairs = items.iter().map(|(_, k, d)| quote!((#k, #d)));
    let arms = items.iter().enumerate().map(|(i, (v, _, _))| quote!(#i => #private::Result::Ok(Self::#v),));
    let keys = items.iter().map(|(v, k, _)| quote!(Self::#v => #k,));
    quote! {
        const _: () = {
            static LIST: #private::ConfigList = #private::ConfigList { name: #name, items: &[#(#pairs),*] };
            #[automatically_derived]
            impl #private::ConfigValue for #ident {
                const FIELD_TYPE: #private::FieldType = #private::FieldType::List;
                const LIST: #private::Option<&'static #private::ConfigList> = #private::Option::Some(&LIST);
                fn parse_value(raw: &str) -> #private::Result<Self, ::std::string::String> {
                    match #private::list_item(&LIST, raw)? {
                        #(#arms)*
                        _ => ::core::unreachable!("list_item returns an index of the list"),
                    }
                }
                fn to_value(&self) -> ::std::string::String {
                    ::std::string::String::from(match self { #(#keys)* })
                }
            }
        };
    }
}
