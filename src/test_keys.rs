//! Throwaway keys for unit tests.

/// A PKCS#1 RSA private key.
pub const PKCS1_PEM: &str = include_str!("../tests/fixtures/test-key-pkcs1.pem");
/// The same key as PKCS#8.
pub const PKCS8_PEM: &str = include_str!("../tests/fixtures/test-key-pkcs8.pem");
/// Its public key (SPKI).
pub const PUBLIC_PEM: &str = include_str!("../tests/fixtures/test-key-public.pem");
/// The same key as encrypted PKCS#8 (PBES2, AES-256-CBC), passphrase `correct horse`.
pub const ENCRYPTED_PEM: &str = include_str!("../tests/fixtures/test-key-encrypted.pem");
