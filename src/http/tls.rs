//! TLS trust as Node.js decides it, from exactly Node's inputs, taken when a client is built:
//!
//! - the trust anchors: Node's default set (its bundled roots and `NODE_EXTRA_CA_CERTS`, or
//!   whatever `tls.getCACertificates('default')` says), registered once per process with
//!   [`register_roots`]; or a `ca` option, which replaces them, as Node's `ca` does;
//! - whether to verify at all: `NODE_TLS_REJECT_UNAUTHORIZED=0` turns it off.
//!
//! Both are in [`Trust`], which is part of the key of the shared connection pools. Where webpki
//! decides otherwise than Node's OpenSSL, [`NodeVerifier`] decides as Node does: a certificate
//! that is itself one of the anchors, byte for byte, is accepted as the server's own even when it
//! says `basicConstraints CA:TRUE` (what `openssl req -x509` makes); its validity dates and host
//! name are still checked. A refused certificate is reported in words, with how to trust a local
//! one.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// What a message about a refused certificate ends with.
pub const HOW_TO_TRUST: &str = "To trust a local or self-signed certificate, set NODE_EXTRA_CA_CERTS to its PEM file before Node.js starts, or pass the PEM as the ca option";

/// Which certificates a client trusts, and whether it verifies them: part of the pool key.
/// `Debug` shows how many bytes of PEM a `ca` has, not the PEM.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Trust {
    /// The trust anchors.
    pub roots: Roots,
    /// Whether certificates are verified: false under `NODE_TLS_REJECT_UNAUTHORIZED=0` as it was
    /// when the client was built.
    pub verify: bool,
}

impl Default for Trust {
    /// Verified, against no anchor until some are given.
    fn default() -> Self {
        Self {
            roots: Roots::None,
            verify: true,
        }
    }
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let roots = match &self.roots {
            Roots::None => "none".to_owned(),
            Roots::Registered(id) => format!("registered set {id}"),
            Roots::Pem(pem) => format!("ca: {} bytes of PEM", pem.len()),
        };
        f.debug_struct("Trust")
            .field("roots", &roots)
            .field("verify", &self.verify)
            .finish()
    }
}

/// The trust anchors of a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Roots {
    /// None: nothing is trusted (a client given no roots).
    None,
    /// A set given to [`register_roots`]: Node's default set.
    Registered(u32),
    /// A `ca` option, as a PEM bundle: it replaces the default set.
    Pem(String),
}

/// A registered root set: its PEM, the PEM to fall back on when that one does not parse, and
/// their certificates, parsed at the first client that needs them.
struct RootSet {
    pem: String,
    fallback: Option<String>,
    certificates: OnceLock<Option<Arc<Vec<CertificateDer<'static>>>>>,
}

/// The root sets registered in this process, numbered by their place.
static REGISTERED: Mutex<Vec<Arc<RootSet>>> = Mutex::new(Vec::new());

/// Registers a set of trust anchors (a PEM bundle: Node's default set) and returns its number for
/// [`Roots::Registered`]; the same bundle gets the same number. Nothing is parsed here: the
/// first HTTP client that trusts the set parses it, keeping the certificates it can use, and
/// when none is left (or the PEM does not parse at all) uses `fallback`, Node's bundled roots.
pub fn register_roots(pem: String, fallback: Option<String>) -> u32 {
    let mut registered = REGISTERED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(index) = registered
        .iter()
        .position(|set| set.pem == pem && set.fallback == fallback)
    {
        return u32::try_from(index).unwrap_or(u32::MAX);
    }
    registered.push(Arc::new(RootSet {
        pem,
        fallback,
        certificates: OnceLock::new(),
    }));
    u32::try_from(registered.len() - 1).unwrap_or(u32::MAX)
}

/// The registered set numbered `id`, if there is one.
fn registered_set(id: u32) -> Option<Arc<RootSet>> {
    REGISTERED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(id as usize)
        .cloned()
}

/// Checks what can be checked of `roots` without parsing Node's default set: a `ca` must be a
/// PEM bundle of certificates, and a registered set must exist.
pub fn check_roots(roots: &Roots) -> Result<(), String> {
    match roots {
        Roots::None => Ok(()),
        Roots::Registered(id) => registered_set(*id)
            .map(|_| ())
            .ok_or_else(|| format!("no root set {id} was registered")),
        Roots::Pem(pem) => certificates_from_pem(pem.as_bytes())
            .map(|_| ())
            .ok_or_else(|| "ca is not a PEM bundle of CA certificates".to_owned()),
    }
}

/// The anchors `roots` names; an error says what is wrong with a `ca`.
pub fn anchors_of(roots: &Roots) -> Result<Vec<CertificateDer<'static>>, String> {
    match roots {
        Roots::None => Ok(Vec::new()),
        Roots::Registered(id) => {
            let set =
                registered_set(*id).ok_or_else(|| format!("no root set {id} was registered"))?;
            set.certificates
                .get_or_init(|| {
                    usable_certificates(set.pem.as_bytes())
                        .or_else(|| usable_certificates(set.fallback.as_deref()?.as_bytes()))
                        .map(Arc::new)
                })
                .as_ref()
                .map(|certificates| certificates.as_ref().clone())
                .ok_or_else(|| {
                    "the default CA certificates are not a PEM bundle of certificates".to_owned()
                })
        }
        Roots::Pem(pem) => certificates_from_pem(pem.as_bytes())
            .ok_or_else(|| "ca is not a PEM bundle of CA certificates".to_owned()),
    }
}

/// The certificates of a registered set that can be trust anchors, in order: one that cannot
/// (a block webpki cannot use) is left out, as Node leaves out what it cannot read of
/// `NODE_EXTRA_CA_CERTS`, with a warning. `None` when the PEM does not parse or none is left.
fn usable_certificates(pem: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    let certificates: Vec<CertificateDer<'static>> = pem::parse_many(pem)
        .ok()?
        .into_iter()
        .filter(|block| matches!(block.tag(), "CERTIFICATE" | "TRUSTED CERTIFICATE"))
        .map(|block| CertificateDer::from(block.into_contents()))
        .filter(|der| webpki::anchor_from_trusted_cert(der).is_ok())
        .collect();
    (!certificates.is_empty()).then_some(certificates)
}

/// The certificates of a PEM bundle, in order. `None` when it holds none or one that does not
/// parse.
pub fn certificates_from_pem(pem: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    let certificates: Vec<CertificateDer<'static>> = pem::parse_many(pem)
        .ok()?
        .into_iter()
        .filter(|block| matches!(block.tag(), "CERTIFICATE" | "TRUSTED CERTIFICATE"))
        .map(|block| CertificateDer::from(block.into_contents()))
        .collect();
    let all_parse = certificates
        .iter()
        .all(|der| webpki::anchor_from_trusted_cert(der).is_ok());
    (all_parse && !certificates.is_empty()).then_some(certificates)
}

/// The rustls configuration of an HTTP client: `roots` verified by [`NodeVerifier`] (or nothing
/// verified without `verify`), TLS 1.2 and 1.3, HTTP/2 or HTTP/1.1 by ALPN. (This module knows
/// nothing of the crate's errors: `error.rs` describes certificate failures with it, and
/// `http.rs` turns its failures into errors.)
pub fn client_config(
    roots: Vec<CertificateDer<'static>>,
    verify: bool,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let verifier: Arc<dyn ServerCertVerifier> = if verify {
        Arc::new(NodeVerifier::new(roots, Arc::clone(&provider))?)
    } else {
        Arc::new(NoVerification {
            algorithms: provider.signature_verification_algorithms,
        })
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// webpki over exactly the given roots, which also accepts a certificate that is itself one of
/// them, as Node's OpenSSL does.
#[derive(Debug)]
pub struct NodeVerifier {
    /// webpki trusting the roots; none without roots.
    chain: Option<Arc<WebPkiServerVerifier>>,
    /// The roots as given, to compare a server's certificate with, byte for byte.
    roots: Vec<CertificateDer<'static>>,
    /// The signature algorithms of the handshake.
    algorithms: WebPkiSupportedAlgorithms,
}

impl NodeVerifier {
    /// A verifier of `roots` (none: every certificate is refused).
    pub fn new(
        roots: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> std::result::Result<Self, rustls::Error> {
        let algorithms = provider.signature_verification_algorithms;
        let mut store = RootCertStore::empty();
        for root in &roots {
            store.add(root.clone())?;
        }
        let chain = if store.is_empty() {
            None
        } else {
            let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
                .build()
                .map_err(|err| rustls::Error::General(err.to_string()))?;
            Some(verifier)
        };
        Ok(Self {
            chain,
            roots,
            algorithms,
        })
    }

    /// Checks a server certificate that is itself a trusted root: its dates and its names.
    fn verify_trusted_itself(
        &self,
        own: &WebPkiServerVerifier,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match own.verify_server_cert(end_entity, &[], server_name, ocsp_response, now) {
            // webpki checks a certificate's validity dates before its basicConstraints, so a
            // CaUsedAsEndEntity means the dates are right; the name is left to check.
            Err(err) if is_ca_used_as_end_entity(&err) => {
                verify_server_name(&ParsedCertificate::try_from(end_entity)?, server_name)?;
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }
}

impl ServerCertVerifier for NodeVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ));
        };
        let refused = match chain.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => return Ok(verified),
            Err(refused) => refused,
        };
        if self.roots.iter().any(|root| root == end_entity) {
            self.verify_trusted_itself(chain, end_entity, server_name, ocsp_response, now)
        } else {
            Err(refused)
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `NODE_TLS_REJECT_UNAUTHORIZED=0`: any certificate is accepted; the handshake's signature is
/// still checked against the certificate's key.
#[derive(Debug)]
struct NoVerification {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn is_ca_used_as_end_entity(error: &rustls::Error) -> bool {
    matches!(error, rustls::Error::InvalidCertificate(CertificateError::Other(other))
        if matches!(other.0.downcast_ref::<webpki::Error>(), Some(webpki::Error::CaUsedAsEndEntity)))
}

/// The certificate error somewhere in `error`'s chain of sources, if the failure is a refused
/// server certificate.
pub fn certificate_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a CertificateError> {
    if let Some(rustls::Error::InvalidCertificate(problem)) = error.downcast_ref::<rustls::Error>()
    {
        return Some(problem);
    }
    // An io::Error's source() skips the error it wraps (often another io::Error): look inside.
    let wrapped = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        .map(|inner| inner as &(dyn std::error::Error + 'static));
    wrapped
        .and_then(certificate_error)
        .or_else(|| error.source().and_then(certificate_error))
}

/// What is wrong with a refused server certificate, in words, and how to trust a local one.
pub fn describe(problem: &CertificateError) -> String {
    let what = match problem {
        CertificateError::UnknownIssuer => {
            "the server's certificate is signed by an unknown issuer: no trusted certificate authority vouches for it".to_owned()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the server's certificate has expired".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet".to_owned()
        }
        CertificateError::NotValidForName => {
            "the server's certificate is not valid for this host name".to_owned()
        }
        CertificateError::NotValidForNameContext { expected, presented } => format!(
            "the server's certificate is not valid for this host name: {} is not among its names ({})",
            expected.to_str(),
            presented.iter().map(|name| bare_name(name)).collect::<Vec<_>>().join(", ")
        ),
        CertificateError::Other(other)
            if matches!(other.0.downcast_ref::<webpki::Error>(), Some(webpki::Error::CaUsedAsEndEntity)) =>
        {
            "the server's certificate is a CA certificate (basicConstraints CA:TRUE) that is not trusted".to_owned()
        }
        other => format!("the server's certificate was refused ({other})"),
    };
    format!("{what}. {HOW_TO_TRUST}")
}

/// What Node (OpenSSL, and its host name check) says of a refused server certificate, for the
/// problems it has words for: node-fetch's reason, as Adobe's client reports it.
pub fn node_text(problem: &CertificateError) -> Option<String> {
    Some(match problem {
        CertificateError::UnknownIssuer => "unable to verify the first certificate".to_owned(),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "certificate has expired".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "certificate is not yet valid".to_owned()
        }
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names: Vec<&str> = presented.iter().map(|name| bare_name(name)).collect();
            match expected {
                ServerName::IpAddress(ip) => {
                    let ip = std::net::IpAddr::from(*ip);
                    let ips: Vec<&str> = names
                        .iter()
                        .copied()
                        .filter(|name| name.parse::<std::net::IpAddr>().is_ok())
                        .collect();
                    format!("IP: {ip} is not in the cert's list: {}", ips.join(", "))
                }
                _ => format!(
                    "Hostname/IP does not match certificate's altnames: Host: {}. is not in the cert's altnames: {}",
                    expected.to_str(),
                    names
                        .iter()
                        .map(|name| match name.parse::<std::net::IpAddr>() {
                            Ok(ip) => format!("IP Address:{ip}"),
                            Err(_) => format!("DNS:{name}"),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        CertificateError::Other(other)
            if matches!(
                other.0.downcast_ref::<webpki::Error>(),
                Some(webpki::Error::CaUsedAsEndEntity)
            ) =>
        {
            "self-signed certificate".to_owned()
        }
        _ => return None,
    })
}

/// A presented name without the `DnsName("…")` wrapping rustls gives it.
fn bare_name(name: &str) -> &str {
    name.strip_prefix("DnsName(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_problems_are_put_in_words() {
        let unknown = describe(&CertificateError::UnknownIssuer);
        assert!(unknown.starts_with("the server's certificate is signed by an unknown issuer"));
        assert!(unknown.ends_with(HOW_TO_TRUST));
        assert!(describe(&CertificateError::Expired).contains("has expired"));
        let name = describe(&CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("localhost").unwrap(),
            presented: vec![
                "DnsName(\"aem.example\")".into(),
                "IpAddress(10.0.0.1)".into(),
            ],
        });
        assert!(
            name.contains("not valid for this host name: localhost is not among its names (aem.example, IpAddress(10.0.0.1))"),
            "{name}"
        );
        let ca = describe(&CertificateError::Other(rustls::OtherError(Arc::new(
            webpki::Error::CaUsedAsEndEntity,
        ))));
        assert!(ca.contains("a CA certificate (basicConstraints CA:TRUE) that is not trusted"));
    }

    #[test]
    fn finds_the_certificate_error_inside_io_errors() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        assert_eq!(
            certificate_error(&io),
            Some(&CertificateError::UnknownIssuer)
        );
        let nested = std::io::Error::other(io);
        assert_eq!(
            certificate_error(&nested),
            Some(&CertificateError::UnknownIssuer)
        );
        let other = std::io::Error::other("connection refused");
        assert_eq!(certificate_error(&other), None);
    }

    /// `openssl req -x509` output: self-signed, CA:TRUE, for localhost and 127.0.0.1, 2026–2126.
    const SELF_SIGNED: &str = include_str!("../../tests/fixtures/self-signed-localhost.pem");

    /// Another self-signed CA, which vouches for nothing here.
    const ANOTHER_CA: &str = include_str!("../../tests/fixtures/another-ca.pem");

    fn verify(
        verifier: &NodeVerifier,
        host: &str,
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let certificate = certificates_from_pem(SELF_SIGNED.as_bytes())
            .unwrap()
            .remove(0);
        let name = ServerName::try_from(host.to_owned()).unwrap();
        verifier.verify_server_cert(&certificate, &[], &name, &[], now)
    }

    fn problem(result: std::result::Result<ServerCertVerified, rustls::Error>) -> String {
        match result {
            Err(rustls::Error::InvalidCertificate(problem)) => describe(&problem),
            other => panic!("expected a refused certificate, got {other:?}"),
        }
    }

    #[test]
    fn a_trusted_self_signed_ca_certificate_is_the_servers_own_with_dates_and_names_checked() {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let trusting = NodeVerifier::new(
            certificates_from_pem(SELF_SIGNED.as_bytes()).unwrap(),
            Arc::clone(&provider),
        )
        .unwrap();
        let now = UnixTime::now();
        verify(&trusting, "localhost", now).unwrap();
        verify(&trusting, "127.0.0.1", now).unwrap();
        assert!(
            problem(verify(&trusting, "aem.example", now)).contains("not valid for this host name")
        );
        // 2127, after its notAfter, and 2000, before its notBefore.
        let later = UnixTime::since_unix_epoch(std::time::Duration::from_secs(4_954_000_000));
        assert!(problem(verify(&trusting, "localhost", later)).contains("has expired"));
        let earlier = UnixTime::since_unix_epoch(std::time::Duration::from_secs(946_684_800));
        assert!(problem(verify(&trusting, "localhost", earlier)).contains("not valid yet"));

        // Trusting another CA only (as a `ca` option would): refused, and said why.
        let untrusting = NodeVerifier::new(
            certificates_from_pem(ANOTHER_CA.as_bytes()).unwrap(),
            Arc::clone(&provider),
        )
        .unwrap();
        assert!(
            problem(verify(&untrusting, "localhost", now))
                .contains("a CA certificate (basicConstraints CA:TRUE) that is not trusted")
        );
        // Trusting nothing: refused.
        let trusting_nothing = NodeVerifier::new(Vec::new(), provider).unwrap();
        assert!(verify(&trusting_nothing, "localhost", now).is_err());
    }

    #[test]
    fn pem_bundles_must_hold_certificates_that_parse() {
        assert!(certificates_from_pem(b"not a certificate").is_none());
        assert!(certificates_from_pem(b"").is_none());
        let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(certificates_from_pem(garbage.as_bytes()).is_none());
    }

    #[test]
    fn registered_sets_are_parsed_when_first_needed_and_fall_back_when_they_do_not_parse() {
        let self_signed = || certificates_from_pem(SELF_SIGNED.as_bytes()).unwrap();
        let bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        // A certificate webpki cannot use is left out; the others stay.
        let with_bad_extra = format!("{SELF_SIGNED}\n{bad}");
        let id = register_roots(with_bad_extra.clone(), Some("not PEM".to_owned()));
        assert_eq!(
            register_roots(with_bad_extra, Some("not PEM".to_owned())),
            id
        );
        check_roots(&Roots::Registered(id)).unwrap();
        assert_eq!(anchors_of(&Roots::Registered(id)).unwrap(), self_signed());
        // None usable: the fallback.
        let id = register_roots(bad.to_owned(), Some(SELF_SIGNED.to_owned()));
        assert_eq!(anchors_of(&Roots::Registered(id)).unwrap(), self_signed());

        let unusable = register_roots("not a certificate".to_owned(), None);
        check_roots(&Roots::Registered(unusable)).unwrap();
        assert_eq!(
            anchors_of(&Roots::Registered(unusable)).unwrap_err(),
            "the default CA certificates are not a PEM bundle of certificates"
        );
        assert!(check_roots(&Roots::Registered(u32::MAX)).is_err());
        assert!(check_roots(&Roots::Pem("not a certificate".to_owned())).is_err());
    }
}
