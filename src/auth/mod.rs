//! Who the requests speak for: credentials files, the service JWT, Adobe IMS's two token
//! endpoints and the access tokens they give.

pub mod credentials;
pub mod ims;
pub mod jwt;
pub mod parsed;
pub mod token;
