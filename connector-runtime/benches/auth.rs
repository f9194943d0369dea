//! The `Authenticate` handshake against its ceiling: the raw cost of one RS256 verification
//! (jsonwebtoken) plus one PKCS#1 v1.5 signature (rsa) on the same keys, in the same run.
//!
//! `cargo bench -p erp-connector --bench auth` (figures in docs/performance.md).
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::SystemTime;

use criterion::{Criterion, criterion_group, criterion_main};
use erp_connector::auth::{AppKey, Handshake, TrustedCert};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

const APP_ID: &str = "6cf25376616343b38d14ddcd804f2891";

fn bench(c: &mut Criterion) {
    // SuperOffice's side: a 2048-bit key like the Federated Login certificates.
    let issuer = AppKey::parse(&rsa_2048_pem(), "issuer").unwrap();
    let pair =
        rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&issuer.private_key_pem(), &rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["sod".to_owned()]).unwrap().self_signed(&pair).unwrap();
    let trusted = TrustedCert::from_pem(&cert.pem(), "issuer").unwrap();
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(trusted[0].thumbprint.clone());
    let claims = serde_json::json!({
        "nonce": "BDB65A558F193A8DD88E50E7416C0D86", "sub": "Cust10003", "nbf": now - 60, "exp": now + 300,
        "iss": "SuperOffice AS", "aud": format!("spn:{APP_ID}"),
    });
    let issuer_key = EncodingKey::from_rsa_pem(issuer.private_key_pem().as_bytes()).unwrap();
    let jwt = jsonwebtoken::encode(&header, &claims, &issuer_key).unwrap();
    // A token is accepted once (its nonce is remembered): the handshake gets a fresh one each time.
    let mut serial = 0u64;
    let mut fresh = || {
        serial += 1;
        let mut claims = claims.clone();
        claims["nonce"] = serde_json::json!(format!("N{serial:031}"));
        jsonwebtoken::encode(&header, &claims, &issuer_key).unwrap()
    };
    // The application's side: a 2048-bit key.
    let app = Arc::new(AppKey::parse(&rsa_2048_pem(), "app").unwrap());
    let handshake = Handshake::new(APP_ID, app.clone(), trusted);
    assert!(handshake.answer(&fresh(), SystemTime::now()).response.succeeded);

    let decoding = DecodingKey::from_rsa_pem(cert.pem().as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    let at = chrono::DateTime::from_timestamp(now, 0).unwrap();
    let mut group = c.benchmark_group("authenticate");
    group.bench_function("ceiling: RS256 verify + PKCS#1 sign", |b| {
        b.iter(|| {
            let data = jsonwebtoken::decode::<serde_json::Value>(black_box(&jwt), &decoding, &validation).unwrap();
            black_box(app.sign_partner_token(data.claims["nonce"].as_str().unwrap(), at))
        })
    });
    group.bench_function("handshake (validate, sign, answer)", |b| {
        b.iter_batched(
            &mut fresh,
            |jwt| black_box(handshake.answer(black_box(&jwt), SystemTime::now())),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("replayed token refused", |b| {
        b.iter(|| black_box(handshake.answer(black_box(&jwt), SystemTime::now())))
    });
    // The signature alone, by each library (the same bytes: PKCS#1 v1.5 is deterministic).
    let nonce = "BDB65A558F193A8DD88E50E7416C0D86";
    assert_eq!(app.sign_partner_token(nonce, at), app.sign_partner_token_with_rsa_crate(nonce, at));
    group.bench_function("sign: aws-lc-rs", |b| b.iter(|| black_box(app.sign_partner_token(black_box(nonce), at))));
    group.bench_function("sign: rsa", |b| {
        b.iter(|| black_box(app.sign_partner_token_with_rsa_crate(black_box(nonce), at)))
    });
    group.finish();
}

/// A fresh 2048-bit key in PKCS#8 PEM.
fn rsa_2048_pem() -> String {
    AppKey::generate_with_bits(2048).unwrap().private_key_pem()
}

criterion_group!(benches, bench);
criterion_main!(benches);
